// A QR code as inline SVG, for setup links an app on a phone scans (TOTP enrolment). The encoder
// (uqr) is loaded on first use, so it stays out of the first-load bundle; the SVG is built from its
// module matrix as Preact elements (no HTML strings), one path of horizontal runs of dark modules.
import { useEffect, useState } from "preact/hooks";
import { modulesPath } from "../lib/qr-path.ts";

/** ISO/IEC 18004 asks for a four-module light margin around the symbol. */
const QUIET = 4;

export function QrCode({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const [qr, setQr] = useState<{ size: number; d: string } | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    setQr(null);
    setFailed(false);
    import("uqr").then(
      ({ encode }) => {
        if (!live) return;
        // border 0: the quiet zone is drawn here, so the matrix is the symbol alone.
        const r = encode(text, { ecc: "M", border: 0 });
        setQr({ size: r.size + 2 * QUIET, d: modulesPath(r.data, QUIET) });
      },
      () => live && setFailed(true),
    );
    return () => {
      live = false;
    };
  }, [text]);
  // Without the encoder the caller's text form (URI and secret) is still there to use.
  if (failed) return null;
  if (!qr) return <div class="qr qr-loading" aria-hidden="true" />;
  return (
    <svg
      class="qr"
      role="img"
      aria-label={label}
      data-testid={testId}
      viewBox={`0 0 ${qr.size} ${qr.size}`}
      width={qr.size * 5}
      height={qr.size * 5}
      shape-rendering="crispEdges"
      style={{ display: "block", maxWidth: "100%", height: "auto" }}
    >
      <rect width={qr.size} height={qr.size} fill="#fff" />
      <path d={qr.d} fill="#000" />
    </svg>
  );
}
