// Which of the model's 3 links (rows of a window) a UDP CSI frame's node_id feeds. Each esp32-csi-node
// board captures one receive chain, so three boards make one window. Given ids map in order to links 0, 1,
// 2; without them the first three node ids seen are taken in order of arrival. Other ids are ignored.
export class LinkMap {
  private readonly map = new Map<number, number>();
  private readonly fixed: boolean;

  constructor(nodeIds?: number[]) {
    this.fixed = nodeIds !== undefined && nodeIds.length > 0;
    nodeIds?.forEach((id, link) => this.map.set(id, link));
  }

  linkOf(nodeId: number): number | null {
    const l = this.map.get(nodeId);
    if (l !== undefined) return l;
    if (this.fixed || this.map.size >= 3) return null;
    this.map.set(nodeId, this.map.size);
    return this.map.size - 1;
  }
}
