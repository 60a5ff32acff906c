// Document and selfie capture with the camera: a nonce is asked first, then one frame of the
// camera goes to a canvas, is encoded as JPEG, hashed with a fresh salt, signed with this browser's
// device key and uploaded. The API's refusals (used or expired nonce, device, hash, signature,
// image size) are shown beside the step they belong to.
import { useEffect, useRef, useState } from "preact/hooks";
import { currentUser } from "../../auth/session.ts";
import { type CaptureResult, type CaptureScope, askNonce, canvasJpeg, uploadCapture } from "../../crypto/capture.ts";
import { deviceKey, forgetDevice } from "../../crypto/device-key.ts";
import { s } from "../../i18n/en.ts";
import { FormErrors } from "../../ui/field.tsx";
import { useForm } from "../../ui/form.ts";
import { Notice } from "../../ui/states.tsx";

// The camera's frame at its own size would overflow a phone's width.
const FIT = { maxWidth: "100%", height: "auto" };
const THUMB = { maxWidth: "min(100%, 240px)", height: "auto" };

// The upload's field errors, all about this one step.
const CAPTURE_FIELDS = ["nonce", "device", "captured_at", "image_sha256", "signature", "image", "metadata", "scope", "salt"];

export function CaptureSection({ onUploaded }: { onUploaded: () => void }) {
  return (
    <section aria-labelledby="capture-h" class="panel">
      <h2 id="capture-h">{s.identity.captureTitle}</h2>
      <p>{s.identity.captureIntro}</p>
      <div class="capture-steps">
        <CaptureStep scope="id_document" onUploaded={onUploaded} />
        <CaptureStep scope="selfie" onUploaded={onUploaded} />
      </div>
    </section>
  );
}

function CaptureStep({ scope, onUploaded }: { scope: CaptureScope; onUploaded: () => void }) {
  const what = s.identity[`capture_${scope}`];
  const video = useRef<HTMLVideoElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [shot, setShot] = useState(false);
  const [result, setResult] = useState<CaptureResult | null>(null);
  const form = useForm();
  const headingId = `capture-${scope}-h`;

  useEffect(() => {
    if (video.current && stream) video.current.srcObject = stream;
    return () => undefined;
  }, [stream]);
  // The camera is released when the page is left.
  useEffect(
    () => () => {
      for (const t of stream?.getTracks() ?? []) t.stop();
    },
    [stream],
  );

  const start = () =>
    form.run(async () => {
      if (!navigator.mediaDevices?.getUserMedia) throw new Error(s.identity.cameraMissing);
      try {
        setStream(
          await navigator.mediaDevices.getUserMedia({
            video: { facingMode: scope === "selfie" ? "user" : "environment", width: { ideal: 1280 } },
            audio: false,
          }),
        );
      } catch {
        throw new Error(s.identity.cameraDenied);
      }
    });

  const stop = () => {
    for (const t of stream?.getTracks() ?? []) t.stop();
    setStream(null);
  };

  const take = () =>
    form.run(async () => {
      const me = currentUser();
      const v = video.current;
      const c = canvas.current;
      if (!me || !v || !c) return;
      setResult(null);
      const device = await deviceKey(me.uuid, `Browser (${navigator.platform || "web"})`);
      // The nonce comes first: the API refuses a capture stamped before the nonce was issued.
      const nonce = await askNonce(scope);
      if (v.readyState < 2) await new Promise((r) => v.addEventListener("loadeddata", r, { once: true }));
      c.width = v.videoWidth;
      c.height = v.videoHeight;
      c.getContext("2d")?.drawImage(v, 0, 0, c.width, c.height);
      const capturedAt = new Date();
      setShot(true);
      const image = await canvasJpeg(c);
      setResult(await uploadCapture(device, scope, nonce, capturedAt, image));
      onUploaded();
    }, CAPTURE_FIELDS);

  const fieldMessages = Object.values(form.fields).flat();
  const deviceGone = !!form.fields.device;
  return (
    <section class="capture-step" aria-labelledby={headingId} data-testid={`capture-${scope}`}>
      <h3 id={headingId}>{what}</h3>
      <video
        ref={video}
        autoPlay
        playsInline
        muted
        hidden={!stream}
        aria-label={s.identity.cameraPreview(what)}
        class="camera"
        style={FIT}
      />
      <canvas
        ref={canvas}
        hidden={!shot}
        class="camera"
        style={THUMB}
        aria-label={s.identity.captured(what)}
        role="img"
      />
      <div class={`field${fieldMessages.length ? " invalid" : ""}`}>
        {fieldMessages.map((m) => (
          <small key={m} class="field-error" role="alert">
            {m}
          </small>
        ))}
      </div>
      {deviceGone && <Notice>{s.identity.deviceGone}</Notice>}
      <FormErrors messages={form.general} />
      {form.busy && stream && (
        <p role="status" aria-live="polite">
          {s.identity.uploading}
        </p>
      )}
      {result && (
        <Notice kind="ok">
          {s.identity.uploaded(result.status)} {s.identity.sealedTo(result.sealed_to.length)}
        </Notice>
      )}
      <div class="buttons">
        {!stream ? (
          <button type="button" onClick={start} disabled={form.busy}>
            {s.identity.cameraStart}
          </button>
        ) : (
          <>
            <button type="button" class="primary" onClick={take} disabled={form.busy}>
              {s.identity.takePhoto}
            </button>
            <button type="button" onClick={stop} disabled={form.busy}>
              {s.identity.cameraStop}
            </button>
          </>
        )}
        {deviceGone && (
          <button
            type="button"
            onClick={() => {
              const me = currentUser();
              if (me) void forgetDevice(me.uuid).then(take);
            }}
          >
            {s.identity.deviceRegister}
          </button>
        )}
      </div>
    </section>
  );
}
