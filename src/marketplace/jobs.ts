/** A message on the order queue: execute one order through its offering's plugin. */
export interface OrderJob {
  kind: "order";
  orderUuid: string;
}
