export type Language = 'sv' | 'en';

export const LABELS = {
  sv: {
    invoice: 'Faktura',
    reminder: 'Påminnelse',
    reminderNumber: 'Påminnelse nr',
    invoiceNumber: 'Fakturanummer',
    issueDate: 'Fakturadatum',
    dueDate: 'Förfallodatum',
    originalDueDate: 'Ursprungligt förfallodatum',
    reminderDate: 'Påminnelsedatum',
    reference: 'Er referens',
    description: 'Beskrivning',
    quantity: 'Antal',
    unitPrice: 'À-pris',
    vatRate: 'Moms %',
    amount: 'Belopp',
    net: 'Summa exkl. moms',
    vat: 'Moms',
    total: 'Att betala',
    amountDue: 'Förfallet belopp',
    ocr: 'OCR-nummer',
    bankgiro: 'Bankgiro',
    orgNumber: 'Org.nr',
    vatNumber: 'Momsreg.nr',
    fSkatt: 'Godkänd för F-skatt',
    reminderText: 'Vi har ännu inte fått betalt för fakturan nedan. Vänligen betala förfallet belopp snarast.',
    payWith: 'Betala till bankgiro och ange OCR-numret.',
    originalAmount: 'Ursprungligt belopp',
    alreadyPaid: 'Inbetalt',
    reminderFee: 'Påminnelseavgift',
    lateInterest: 'Dröjsmålsränta',
    payBy: 'Betala senast',
    scanToPay: 'Skanna med bankappen',
    viewInvoice: 'Visa fakturan',
    viewReminder: 'Visa påminnelsen',
    downloadPdf: 'Ladda ner PDF',
    payment: 'Betalning',
    payWithSwish: 'Betala med Swish',
    swishNumber: 'Swish-nummer',
    message: 'Meddelande',
    paidNotice: 'Fakturan är betald. Tack!',
    creditedNotice: 'Fakturan är krediterad och ska inte betalas.',
    linkNotFoundTitle: 'Sidan finns inte',
    linkNotFound: 'Länken är okänd eller har gått ut. Kontakta den som skickade fakturan för en ny.',
    tooManyTries: 'För många försök. Försök igen om en stund.',
    from: 'från',
  },
  en: {
    invoice: 'Invoice',
    reminder: 'Reminder',
    reminderNumber: 'Reminder no.',
    invoiceNumber: 'Invoice number',
    issueDate: 'Invoice date',
    dueDate: 'Due date',
    originalDueDate: 'Original due date',
    reminderDate: 'Reminder date',
    reference: 'Your reference',
    description: 'Description',
    quantity: 'Qty',
    unitPrice: 'Unit price',
    vatRate: 'VAT %',
    amount: 'Amount',
    net: 'Total excl. VAT',
    vat: 'VAT',
    total: 'Amount to pay',
    amountDue: 'Amount due',
    ocr: 'OCR reference',
    bankgiro: 'Bankgiro',
    orgNumber: 'Reg. no.',
    vatNumber: 'VAT no.',
    fSkatt: 'Approved for F-tax',
    reminderText: 'We have not yet received payment for the invoice below. Please pay the amount due as soon as possible.',
    payWith: 'Pay to the bankgiro and quote the OCR reference.',
    originalAmount: 'Original amount',
    alreadyPaid: 'Paid',
    reminderFee: 'Reminder fee',
    lateInterest: 'Late-payment interest',
    payBy: 'Pay by',
    scanToPay: 'Scan with your bank app',
    viewInvoice: 'View the invoice',
    viewReminder: 'View the reminder',
    downloadPdf: 'Download PDF',
    payment: 'Payment',
    payWithSwish: 'Pay with Swish',
    swishNumber: 'Swish number',
    message: 'Message',
    paidNotice: 'This invoice is paid. Thank you!',
    creditedNotice: 'This invoice has been credited and is not to be paid.',
    linkNotFoundTitle: 'Page not found',
    linkNotFound: 'The link is unknown or has expired. Please ask the sender of the invoice for a new one.',
    tooManyTries: 'Too many attempts. Please try again in a while.',
    from: 'from',
  },
} satisfies Record<Language, Record<string, string>>;

// Building a number format is costly (locale data); an invoice formats a dozen amounts.
const moneyFormats = new Map<string, Intl.NumberFormat>();

export function formatMoney(ore: number, currency: string, language: Language): string {
  const key = `${language}:${currency}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(language === 'sv' ? 'sv-SE' : 'en-GB', { style: 'currency', currency });
    moneyFormats.set(key, format);
  }
  return format.format(ore / 100);
}

const percentFormats = { sv: new Intl.NumberFormat('sv-SE', { minimumFractionDigits: 2, maximumFractionDigits: 2 }), en: new Intl.NumberFormat('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 }) };

/** "31 dagar à 10,00 % (referensräntan 2,00 % per 2026-07-01 + 8 procentenheter)": how the interest was counted. */
export function interestBasis(c: { interestDays: number; interestRatePercent: number; referenceRateDate: string | null }, language: Language): string {
  const pct = (n: number) => percentFormats[language].format(n);
  const reference = c.interestRatePercent - 8;
  return language === 'sv'
    ? `${c.interestDays} ${c.interestDays === 1 ? 'dag' : 'dagar'} à ${pct(c.interestRatePercent)} % (referensräntan ${pct(reference)} % per ${c.referenceRateDate} + 8 procentenheter)`
    : `${c.interestDays} ${c.interestDays === 1 ? 'day' : 'days'} at ${pct(c.interestRatePercent)} % (reference rate ${pct(reference)} % as of ${c.referenceRateDate} + 8 percentage points)`;
}
