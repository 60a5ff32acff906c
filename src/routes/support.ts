// /api/support-issues/ and /api/support-comments/, shaped like Waldur's, with the texts sealed
// (openapi/sealed-flows.md): an issue's summary and description and each comment's body are VEENV
// envelopes sealed to the issue's readers — the caller and either the addressed provider
// organization's owners and managers or, without one, the moderators (staff and support users).
// The client seals them itself (recommended) or sends plaintext that is sealed on arrival; D1 keeps
// only the metadata, and the JSON carries empty texts plus the sealed reference.
import { and, count, desc, eq, or, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Context, Hono } from "hono";
import type { AppEnv, Db } from "../app-env.ts";
import { PROVIDER_ROLES, scopeIdsOf, seesEverything } from "../auth/access.ts";
import { requireUser, type User } from "../auth/session.ts";
import { inArray } from "../db/in-list.ts";
import { customers, sealedBlobs, supportComments, supportIssues, users } from "../db/schema/index.ts";
import { fieldError, notFound, permissionDenied } from "../http/errors.ts";
import { newUuid, nowIso, pathUuid } from "../http/ids.ts";
import { hyperlink, linksFor } from "../http/links.ts";
import { pageOf, paginated, qUuid, sparse } from "../http/list.ts";
import { body, bool, choice, str, v } from "../http/validate.ts";
import { grantHolders, listed, moderatorIds, type ReaderSet, readerSet, renderReaders } from "../secrets/recipients.ts";
import {
  currentSealed,
  envelopeFromBase64,
  envelopeResponse,
  headerOf,
  isRecipient,
  renderSealed,
  SMALL_ENVELOPE,
  sealedByRecord,
  type SealedBlob,
  sealAndStore,
  storeEnvelopeBytes,
  storeNewRecordEnvelope,
} from "../secrets/sealed-records.ts";
import { fullName } from "../structure/users.ts";

export const ISSUE_KIND = "support-issue";
export const COMMENT_KIND = "support-comment";
const ISSUE_TYPES = ["INFORMATIONAL", "SERVICE_REQUEST", "CHANGE_REQUEST", "INCIDENT"] as const;
type Issue = typeof supportIssues.$inferSelect;
type Comment = typeof supportComments.$inferSelect;

const envelopeField = v.optional(v.nullable(str(SMALL_ENVELOPE * 2)), null);
const issueSchema = v.object({
  type: choice(ISSUE_TYPES),
  summary: v.optional(v.nullable(str(255)), null),
  description: v.optional(v.nullable(str(20_000)), null),
  priority: v.optional(str(255), ""),
  customer: v.optional(v.nullable(hyperlink("customers")), null),
  envelope: envelopeField,
});
const commentSchema = v.object({
  description: v.optional(v.nullable(str(20_000)), null),
  is_public: v.optional(bool(), true),
  envelope: envelopeField,
});
/** PUT and PATCH of an issue: the texts are replaced whole (sealed, they cannot be merged on the server). */
const issueEditSchema = (partial: boolean) =>
  v.object({
    type: partial ? v.optional(choice(ISSUE_TYPES)) : choice(ISSUE_TYPES),
    summary: v.optional(v.nullable(str(255)), null),
    description: v.optional(v.nullable(str(20_000)), null),
    priority: v.optional(str(255)),
    customer: v.optional(v.nullable(hyperlink("customers"))),
    envelope: envelopeField,
  });
const commentEditSchema = v.object({
  description: v.optional(v.nullable(str(20_000)), null),
  is_public: v.optional(bool()),
  envelope: envelopeField,
});

/** The issue's readers now: the caller, and the addressed provider's owners/managers or the moderators. */
async function issueReaders(db: Db, env: AppEnv["Bindings"], callerId: number, customerId: number | null): Promise<ReaderSet> {
  const addressed = customerId === null ? await moderatorIds(db) : await grantHolders(db, [{ type: "customer", id: customerId, roles: PROVIDER_ROLES }]);
  return readerSet(db, env, [callerId, ...addressed]);
}

/** Issues the user may see: their own, those addressed to an organization they run, all for moderators. */
function visible(db: Db, me: User): SQL | undefined {
  if (seesEverything(me)) return undefined;
  return or(eq(supportIssues.callerId, me.id), inArray(supportIssues.customerId, scopeIdsOf(db, me.id, "customer", PROVIDER_ROLES)));
}

async function findIssue(db: Db, me: User, uuid: string): Promise<Issue> {
  const row = await db.select().from(supportIssues).where(and(eq(supportIssues.uuid, uuid), visible(db, me))).get();
  if (!row) throw notFound();
  return row;
}

/** Stores the texts: the client's envelope, or the plaintext sealed here (never written in clear). */
async function sealTexts(
  c: Context<AppEnv>,
  kind: string,
  readers: ReaderSet,
  texts: Record<string, string | null>,
  envelope: string | null,
  taken: (uuid: string) => Promise<boolean>,
): Promise<SealedBlob> {
  const db = c.var.db;
  if (envelope !== null) {
    const sent = Object.entries(texts).filter(([, t]) => t !== null).map(([k]) => k);
    if (sent.length) throw fieldError(sent[0]!, "Send the texts either sealed in envelope or in plaintext, not both.");
    return storeNewRecordEnvelope(db, c.env, kind, envelopeFromBase64("envelope", envelope), { field: "envelope", required: listed(readers), allowExtra: true, taken });
  }
  const uuid = newUuid();
  const plaintext = new TextEncoder().encode(JSON.stringify(Object.fromEntries(Object.entries(texts).map(([k, t]) => [k, t ?? ""]))));
  try {
    return await sealAndStore(db, c.env, { kind, recordId: uuid, version: 1 }, plaintext, readers, "envelope");
  } finally {
    plaintext.fill(0);
  }
}

/**
 * Replaces a record's sealed texts with its next version, to the record's readers now: the
 * client's envelope (record id this record, version one more than the stored one), or plaintext
 * sealed here. The superseded envelope is deleted from R2 once the new one is recorded.
 */
async function resealTexts(
  c: Context<AppEnv>,
  kind: string,
  recordId: string,
  readers: ReaderSet,
  texts: Record<string, string> | null,
  envelope: string | null,
): Promise<void> {
  const db = c.var.db;
  if (envelope !== null) {
    if (texts) throw fieldError(Object.keys(texts)[0]!, "Send the texts either sealed in envelope or in plaintext, not both.");
    const bytes = envelopeFromBase64("envelope", envelope);
    const header = headerOf("envelope", bytes, kind);
    if (header.context.recordId !== recordId) throw fieldError("envelope", `The envelope is sealed for another record: seal it for record id ${recordId}.`);
    await storeEnvelopeBytes(db, c.env, header.context, bytes, { field: "envelope", required: listed(readers), allowExtra: true });
    return;
  }
  if (!texts) return;
  const prev = await currentSealed(db, kind, recordId);
  const plaintext = new TextEncoder().encode(JSON.stringify(texts));
  try {
    await sealAndStore(db, c.env, { kind, recordId, version: (prev?.version ?? 0) + 1 }, plaintext, readers, "envelope");
  } finally {
    plaintext.fill(0);
  }
}

/**
 * The plaintext texts of an edit, whole: on PATCH a text sent alone would need the other one read
 * back, which the server cannot do (it is not a reader), so both come together or neither.
 */
function editedTexts(sent: Record<string, string | null>, required: string, partial: boolean): Record<string, string> | null {
  const given = Object.entries(sent).filter(([, t]) => t !== null);
  if (!given.length && partial) return null;
  const missing = Object.keys(sent).filter((k) => sent[k] === null);
  if (partial && missing.length) {
    throw fieldError(missing[0]!, `The stored texts are sealed and cannot be merged on the server: send ${Object.keys(sent).join(" and ")} together, or an envelope.`);
  }
  if (!sent[required]?.trim()) throw fieldError(required, "This field is required.");
  return Object.fromEntries(Object.entries(sent).map(([k, t]) => [k, t ?? ""]));
}

/** Deletes sealed references in the same batch as their records, then their R2 objects (only ciphertext either way). */
async function dropRecords(c: Context<AppEnv>, refs: SealedBlob[], rows: BatchItem<"sqlite">[]): Promise<void> {
  const db = c.var.db;
  const stmts: BatchItem<"sqlite">[] = [...(refs.length ? [db.delete(sealedBlobs).where(inArray(sealedBlobs.id, refs.map((r) => r.id)))] : []), ...rows];
  await db.batch(stmts as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  for (const r of refs) await c.env.BLOBS.delete(r.objectKey);
}

/** Who may change an issue or comment: whoever wrote it, and the moderators (staff and support users). */
const mayEdit = (me: User, authorId: number) => me.id === authorId || seesEverything(me);

async function renderIssues(c: Context<AppEnv>, rows: Issue[]) {
  const db = c.var.db;
  const links = linksFor(c);
  const userIds = [...new Set(rows.map((r) => r.callerId))];
  const custIds = [...new Set(rows.flatMap((r) => (r.customerId ? [r.customerId] : [])))];
  const [people, orgs, refs] = await Promise.all([
    userIds.length ? db.select().from(users).where(inArray(users.id, userIds)).all() : [],
    custIds.length ? db.select().from(customers).where(inArray(customers.id, custIds)).all() : [],
    sealedByRecord(db, ISSUE_KIND, rows.map((r) => r.uuid)),
  ]);
  return rows.map((r) => {
    const caller = people.find((p) => p.id === r.callerId);
    const org = orgs.find((o) => o.id === r.customerId);
    const ref = refs.get(r.uuid);
    const url = `${links.base}/api/support-issues/${r.uuid}/`;
    return {
      url,
      uuid: r.uuid,
      key: r.key,
      type: r.type,
      status: r.status,
      priority: r.priority,
      // Sealed: open sealed.url on the client.
      summary: "",
      description: "",
      caller: caller ? links.to("users", caller.uuid) : null,
      caller_uuid: caller?.uuid ?? null,
      caller_full_name: caller ? fullName(caller) : "",
      reporter_uuid: caller?.uuid ?? null,
      reporter_name: caller ? fullName(caller) : "",
      customer: org ? links.to("customers", org.uuid) : null,
      customer_uuid: org?.uuid ?? null,
      customer_name: org?.name ?? null,
      created: r.created,
      modified: r.modified,
      sealed: ref ? renderSealed(ref, `${url}sealed/`) : null,
    };
  });
}

async function renderComments(c: Context<AppEnv>, rows: Comment[]) {
  const db = c.var.db;
  const links = linksFor(c);
  const [people, issues, refs] = await Promise.all([
    rows.length ? db.select().from(users).where(inArray(users.id, [...new Set(rows.map((r) => r.authorId))])).all() : [],
    rows.length ? db.select().from(supportIssues).where(inArray(supportIssues.id, [...new Set(rows.map((r) => r.issueId))])).all() : [],
    sealedByRecord(db, COMMENT_KIND, rows.map((r) => r.uuid)),
  ]);
  return rows.map((r) => {
    const author = people.find((p) => p.id === r.authorId);
    const issue = issues.find((x) => x.id === r.issueId);
    const ref = refs.get(r.uuid);
    const url = `${links.base}/api/support-comments/${r.uuid}/`;
    return {
      url,
      uuid: r.uuid,
      issue: issue ? `${links.base}/api/support-issues/${issue.uuid}/` : null,
      issue_key: issue?.key ?? "",
      description: "",
      is_public: r.isPublic,
      author_name: author ? fullName(author) : "",
      author_uuid: author?.uuid ?? null,
      author_user: author ? links.to("users", author.uuid) : null,
      created: r.created,
      sealed: ref ? renderSealed(ref, `${url}sealed/`) : null,
    };
  });
}

/** The envelope of a record, to its recipients only (404 to anyone else, staff included). */
async function serveSealed(c: Context<AppEnv>, me: User, kind: string, uuid: string) {
  const ref = await currentSealed(c.var.db, kind, uuid);
  const res = ref && isRecipient(ref, me.uuid) ? await envelopeResponse(c.env, ref) : null;
  if (!res) throw notFound();
  return res;
}

export function mountSupport(app: Hono<AppEnv>) {
  const ISSUES = "/api/support-issues";
  const COMMENTS = "/api/support-comments";

  app.get(`${ISSUES}/sealing_recipients/`, async (c) => {
    const me = requireUser(c.var.user);
    const custUuid = qUuid(c, "customer_uuid");
    let customerId: number | null = null;
    if (custUuid) {
      const cust = await c.var.db.select({ id: customers.id }).from(customers).where(eq(customers.uuid, custUuid)).get();
      if (!cust) throw fieldError("customer_uuid", "Object does not exist.");
      customerId = cust.id;
    }
    return c.json({ kind: ISSUE_KIND, version: 1, ...renderReaders(await issueReaders(c.var.db, c.env, me.id, customerId)) });
  });

  app.get(`${ISSUES}/`, async (c) => {
    const me = requireUser(c.var.user);
    const where = visible(c.var.db, me);
    const p = pageOf(c);
    const total = (await c.var.db.select({ n: count() }).from(supportIssues).where(where).get())?.n ?? 0;
    const rows = await c.var.db.select().from(supportIssues).where(where).orderBy(desc(supportIssues.created), desc(supportIssues.id)).limit(p.size).offset(p.offset).all();
    return paginated(c, p, total, await renderIssues(c, rows));
  });

  app.post(`${ISSUES}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const b = await body(c, issueSchema);
    if (b.envelope === null && !b.summary?.trim()) throw fieldError("summary", "This field is required.");
    let customerId: number | null = null;
    if (b.customer) {
      const cust = await db.select({ id: customers.id }).from(customers).where(eq(customers.uuid, b.customer)).get();
      if (!cust) throw fieldError("customer", "Invalid hyperlink - Object does not exist.");
      customerId = cust.id;
    }
    const readers = await issueReaders(db, c.env, me.id, customerId);
    const ref = await sealTexts(c, ISSUE_KIND, readers, { summary: b.summary, description: b.description }, b.envelope, async (uuid) => !!(await db.select({ id: supportIssues.id }).from(supportIssues).where(eq(supportIssues.uuid, uuid)).get()));
    const now = nowIso();
    const issue = await db
      .insert(supportIssues)
      .values({ uuid: ref.recordId, key: `VE-${ref.recordId.slice(0, 8).toUpperCase()}`, type: b.type, priority: b.priority, callerId: me.id, customerId, created: now, modified: now })
      .returning()
      .get();
    return c.json((await renderIssues(c, [issue]))[0]!, 201);
  });

  app.get(`${ISSUES}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    return c.json(sparse(c, (await renderIssues(c, [await findIssue(c.var.db, me, pathUuid(c.req.param("uuid")))]))[0]!));
  });

  const editIssue = (partial: boolean) => async (c: Context<AppEnv>) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const issue = await findIssue(db, me, pathUuid(c.req.param("uuid")));
    if (!mayEdit(me, issue.callerId)) throw permissionDenied();
    const b = await body(c, issueEditSchema(partial));
    if (b.customer !== undefined) {
      const current = issue.customerId === null ? null : (await db.select({ uuid: customers.uuid }).from(customers).where(eq(customers.id, issue.customerId)).get())?.uuid;
      if ((b.customer ?? null) !== (current ?? null)) {
        throw fieldError("customer", "The addressed organization cannot be changed: the texts are sealed to its readers. Open a new issue instead.");
      }
    }
    const texts = b.envelope === null ? editedTexts({ summary: b.summary, description: b.description }, "summary", partial) : null;
    if (b.envelope !== null && (b.summary !== null || b.description !== null)) {
      throw fieldError(b.summary !== null ? "summary" : "description", "Send the texts either sealed in envelope or in plaintext, not both.");
    }
    const readers = await issueReaders(db, c.env, issue.callerId, issue.customerId);
    await resealTexts(c, ISSUE_KIND, issue.uuid, readers, texts, b.envelope);
    const updated = await db
      .update(supportIssues)
      .set({ ...(b.type ? { type: b.type } : {}), ...(b.priority !== undefined ? { priority: b.priority } : {}), modified: nowIso() })
      .where(eq(supportIssues.id, issue.id))
      .returning()
      .get();
    return c.json((await renderIssues(c, [updated]))[0]!);
  };
  app.put(`${ISSUES}/:uuid/`, editIssue(false));
  app.patch(`${ISSUES}/:uuid/`, editIssue(true));

  app.delete(`${ISSUES}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const issue = await findIssue(db, me, pathUuid(c.req.param("uuid")));
    if (!mayEdit(me, issue.callerId)) throw permissionDenied();
    const comments = await db.select({ uuid: supportComments.uuid }).from(supportComments).where(eq(supportComments.issueId, issue.id)).all();
    const [own, replies] = await Promise.all([currentSealed(db, ISSUE_KIND, issue.uuid), sealedByRecord(db, COMMENT_KIND, comments.map((r) => r.uuid))]);
    await dropRecords(c, [...(own ? [own] : []), ...replies.values()], [
      db.delete(supportComments).where(eq(supportComments.issueId, issue.id)),
      db.delete(supportIssues).where(eq(supportIssues.id, issue.id)),
    ]);
    return c.body(null, 204);
  });

  /**
   * Waldur pulls the issue from its helpdesk backend here. There is none: the issue is its D1 row
   * and its envelopes, so sync answers the issue as stored and writes nothing (no text is ever
   * produced or stored in clear by it).
   */
  app.post(`${ISSUES}/:uuid/sync/`, async (c) => {
    const me = requireUser(c.var.user);
    const issue = await findIssue(c.var.db, me, pathUuid(c.req.param("uuid")));
    if (!mayEdit(me, issue.callerId)) throw permissionDenied();
    return c.json((await renderIssues(c, [issue]))[0]!);
  });

  app.get(`${ISSUES}/:uuid/sealed/`, async (c) => {
    const me = requireUser(c.var.user);
    const issue = await findIssue(c.var.db, me, pathUuid(c.req.param("uuid")));
    return serveSealed(c, me, ISSUE_KIND, issue.uuid);
  });

  app.get(`${ISSUES}/:uuid/sealing_recipients/`, async (c) => {
    const me = requireUser(c.var.user);
    const issue = await findIssue(c.var.db, me, pathUuid(c.req.param("uuid")));
    return c.json({ kind: COMMENT_KIND, version: 1, ...renderReaders(await issueReaders(c.var.db, c.env, issue.callerId, issue.customerId)) });
  });

  app.post(`${ISSUES}/:uuid/comment/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const issue = await findIssue(db, me, pathUuid(c.req.param("uuid")));
    const b = await body(c, commentSchema);
    if (b.envelope === null && !b.description?.trim()) throw fieldError("description", "This field is required.");
    const readers = await issueReaders(db, c.env, issue.callerId, issue.customerId);
    const ref = await sealTexts(c, COMMENT_KIND, readers, { description: b.description }, b.envelope, async (uuid) => !!(await db.select({ id: supportComments.id }).from(supportComments).where(eq(supportComments.uuid, uuid)).get()));
    const now = nowIso();
    const comment = await db.insert(supportComments).values({ uuid: ref.recordId, issueId: issue.id, authorId: me.id, isPublic: b.is_public, created: now }).returning().get();
    await db.update(supportIssues).set({ modified: now }).where(eq(supportIssues.id, issue.id));
    return c.json((await renderComments(c, [comment]))[0]!, 201);
  });

  /** Comments on issues the user may see. */
  const commentsVisible = (db: Db, me: User) => inArray(supportComments.issueId, db.select({ id: supportIssues.id }).from(supportIssues).where(visible(db, me)));

  app.get(`${COMMENTS}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [commentsVisible(db, me)];
    const issueUuid = qUuid(c, "issue_uuid");
    if (issueUuid) conds.push(inArray(supportComments.issueId, db.select({ id: supportIssues.id }).from(supportIssues).where(eq(supportIssues.uuid, issueUuid))));
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(supportComments).where(where).get())?.n ?? 0;
    const rows = await db.select().from(supportComments).where(where).orderBy(supportComments.created, supportComments.id).limit(p.size).offset(p.offset).all();
    return paginated(c, p, total, await renderComments(c, rows));
  });

  async function findComment(c: Context<AppEnv>, me: User): Promise<Comment> {
    const db = c.var.db;
    const row = await db.select().from(supportComments).where(and(eq(supportComments.uuid, pathUuid(c.req.param("uuid"))), commentsVisible(db, me))).get();
    if (!row) throw notFound();
    return row;
  }

  app.get(`${COMMENTS}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    return c.json(sparse(c, (await renderComments(c, [await findComment(c, me)]))[0]!));
  });

  const editComment = (partial: boolean) => async (c: Context<AppEnv>) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const comment = await findComment(c, me);
    if (!mayEdit(me, comment.authorId)) throw permissionDenied();
    const b = await body(c, commentEditSchema);
    if (b.envelope !== null && b.description !== null) throw fieldError("description", "Send the text either sealed in envelope or in plaintext, not both.");
    const texts = b.envelope === null ? editedTexts({ description: b.description }, "description", partial) : null;
    const issue = (await db.select().from(supportIssues).where(eq(supportIssues.id, comment.issueId)).get())!;
    await resealTexts(c, COMMENT_KIND, comment.uuid, await issueReaders(db, c.env, issue.callerId, issue.customerId), texts, b.envelope);
    const updated = b.is_public === undefined ? comment : await db.update(supportComments).set({ isPublic: b.is_public }).where(eq(supportComments.id, comment.id)).returning().get();
    await db.update(supportIssues).set({ modified: nowIso() }).where(eq(supportIssues.id, issue.id));
    return c.json((await renderComments(c, [updated]))[0]!);
  };
  app.put(`${COMMENTS}/:uuid/`, editComment(false));
  app.patch(`${COMMENTS}/:uuid/`, editComment(true));

  app.delete(`${COMMENTS}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    const comment = await findComment(c, me);
    if (!mayEdit(me, comment.authorId)) throw permissionDenied();
    const ref = await currentSealed(c.var.db, COMMENT_KIND, comment.uuid);
    await dropRecords(c, ref ? [ref] : [], [c.var.db.delete(supportComments).where(eq(supportComments.id, comment.id))]);
    return c.body(null, 204);
  });

  app.get(`${COMMENTS}/:uuid/sealed/`, async (c) => {
    const me = requireUser(c.var.user);
    return serveSealed(c, me, COMMENT_KIND, (await findComment(c, me)).uuid);
  });
}
