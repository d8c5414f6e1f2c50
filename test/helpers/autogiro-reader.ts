// Reads an Autogiro payment-order file by the positions of ../shared/formats/autogiro.md,
// independently of the writer, so a mistake in one is not hidden by the other.
const field = (line: string, from: number, to: number) => line.slice(from - 1, to);

export function parseAutogiroFile(raw: string) {
  if (!raw.endsWith('\r\n')) throw new Error('records must end with CRLF');
  const lines = raw.slice(0, -2).split('\r\n');
  const [first, ...rest] = lines;
  return {
    lines,
    opening: {
      tk: field(first, 1, 2),
      date: field(first, 3, 10),
      layoutName: field(first, 11, 62).trimEnd(),
      layoutPadding: field(first, 19, 62),
      customerNumber: field(first, 63, 68),
      bankgiro: field(first, 69, 78),
      tail: field(first, 79, 80),
    },
    withdrawals: rest.map((l) => ({
      tk: field(l, 1, 2),
      paymentDate: field(l, 3, 10),
      periodCode: field(l, 11, 11),
      repetitions: field(l, 12, 14),
      payerNumber: field(l, 16, 31),
      amountOre: Number(field(l, 32, 43)),
      bankgiro: field(l, 44, 53),
      reference: field(l, 54, 69).trimEnd(),
    })),
  };
}
