/**
 * scikit-learn's and Keras's 'balanced' class weights, n / (k · count of the class), shared by every model
 * that offers `classWeight: 'balanced'`. An absent class gets 0 instead of n / 0: it has no rows to weigh.
 */
export function balancedClassWeights(y: Int32Array, nClasses: number): Float64Array {
  const counts = new Float64Array(nClasses);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return counts.map((count) => (count > 0 ? y.length / (nClasses * count) : 0));
}

/** The weight of each row's class, as the per-row loss weights the training steps take. */
export function rowWeights(y: Int32Array, classWeights: Float64Array): Float32Array {
  return Float32Array.from(y, (label) => classWeights[label]);
}

/** Per-row 'balanced' weights: `rowWeights(y, balancedClassWeights(y, nClasses))`. */
export function balancedRowWeights(y: Int32Array, nClasses: number): Float32Array {
  return rowWeights(y, balancedClassWeights(y, nClasses));
}
