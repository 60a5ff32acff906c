// The eval:face command end to end on a small folder in the faces-dev format.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const root = new URL("../..", import.meta.url).pathname;
const fixtures = new URL("./fixtures", import.meta.url).pathname;
const folder = mkdtempSync(join(tmpdir(), "eval-face-"));
after(() => rmSync(folder, { recursive: true, force: true }));

for (const f of ["img1.jpg", "img2.jpg", "img20.jpg", "img47.jpg"])
  copyFileSync(join(fixtures, f), join(folder, f));
writeFileSync(
  join(folder, "identities.csv"),
  "file,identity\nimg1.jpg,D00\nimg2.jpg,D00\nimg20.jpg,D05\nimg47.jpg,D01\n",
);
// Two comparison columns with made-up distances: Facenet cosine right on both pairs, OpenFace wrong on both.
writeFileSync(
  join(folder, "pairs.csv"),
  "file_x,file_y,same_person,Facenet_cosine,OpenFace_cosine\nimg1.jpg,img2.jpg,yes,0.2,0.5\nimg1.jpg,img20.jpg,no,0.9,0.05\n",
);

async function evalFace(...args: string[]): Promise<string[]> {
  const { stdout } = await run(
    join(root, "node_modules/.bin/node"),
    ["--import", "tsx", "scripts/eval-face.ts", ...args],
    {
      cwd: root,
    },
  );
  return stdout.trim().split("\n");
}

describe("npm run eval:face", () => {
  it("prints our figures and the comparison columns, ending with the summary line", async () => {
    const lines = await evalFace(folder);
    const last = lines.at(-1)!;
    assert.match(last, /^accuracy=1\.0000 tar=1\.0000 far=0\.0000 ms_per_verification=\d+$/);
    assert.ok(lines.some((l) => /Facenet cosine \(<= 0\.4\)\s+100\.00%/.test(l)));
    assert.ok(lines.some((l) => /OpenFace cosine \(<= 0\.1\)\s+0\.00%/.test(l)));
    // 4 images: 1 same-person pair, 5 different-person pairs.
    assert.ok(lines.some((l) => l.includes("1 genuine, 5 impostor")));
  });

  it("--document matches composed ID cards against the other photos", async () => {
    const lines = await evalFace(folder, "--document");
    assert.ok(lines.some((l) => l.startsWith("mode: document")));
    assert.ok(lines.some((l) => l.includes("2 genuine, 10 impostor")));
    assert.match(lines.at(-1)!, /^accuracy=1\.0000 tar=1\.0000 far=0\.0000 ms_per_verification=\d+$/);
  });

  it("exits with a usage message when no folder is given", async () => {
    await assert.rejects(evalFace(), (e: { code?: number; stderr?: string }) => {
      assert.equal(e.code, 2);
      assert.match(e.stderr ?? "", /usage: npm run eval:face -- <folder>/);
      return true;
    });
  });
});
