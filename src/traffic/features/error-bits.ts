/** Error bits a window entry carries: KDD's SYN error (flag S0–S3) and REJ error. */
export const SYN_ERROR = 1;
export const REJ_ERROR = 2;
