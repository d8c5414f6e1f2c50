/** The middle of the figures (the lower of the two middle ones when their number is even). */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
