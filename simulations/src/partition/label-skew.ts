/**
 * Label skew of a partition: the mean, over non-empty clients, of the total-variation distance
 * between the client's label distribution and the distribution of all partitioned examples,
 * TV(p, q) = ½ Σ_c |p_c − q_c|. 0 means every client has the global label mix; values near 1 mean
 * clients hold classes that are rare overall. IID partitions score close to 0 (sampling noise
 * only, which grows as clients get smaller).
 */
export function labelSkew(labels: Int32Array, parts: readonly Int32Array[], numClasses: number): number {
  const global = new Float64Array(numClasses);
  let total = 0;
  for (const part of parts) {
    for (const i of part) global[labels[i]!] = (global[labels[i]!] as number) + 1;
    total += part.length;
  }
  if (total === 0) return 0;

  const counts = new Float64Array(numClasses);
  let sum = 0;
  let clients = 0;
  for (const part of parts) {
    if (part.length === 0) continue;
    counts.fill(0);
    for (const i of part) counts[labels[i]!] = (counts[labels[i]!] as number) + 1;
    let tv = 0;
    for (let c = 0; c < numClasses; c++) {
      tv += Math.abs((counts[c] as number) / part.length - (global[c] as number) / total);
    }
    sum += tv / 2;
    clients++;
  }
  return clients === 0 ? 0 : sum / clients;
}
