/**
 * Who is in `npm start`'s simulator: the business the customers write to and the customers it starts with
 * (**+ New** adds more, numbered after them). The README's examples use these numbers, or avoid them on purpose.
 */

export const SIMULATED_BUSINESS = { number: "447700900000", name: "Demo Business" };
// Numbers from the range the UK keeps for drama: they reach nobody.
export const SIMULATED_CUSTOMERS = [
  { number: "447700900101", name: "Alice" },
  { number: "447700900102", name: "Bilal" },
];
