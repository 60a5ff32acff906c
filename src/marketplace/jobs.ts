/** Messages on the order queue. */
export type OrderJob =
  /** Execute one order through its offering's plugin. */
  | { kind: "order"; orderUuid: string }
  /** Apply the resource's `paused` flag on the backend (set by the provider through set_paused). */
  | { kind: "pause"; resourceUuid: string };
