/** Messages API bodies of the example templates (`test/fixtures/templates.json`), as a business would send them. */

/** `cafe_welcome` in Vonage's `custom` form (WhatsApp's template object): the customer's name, two quick replies. */
export const cafeWelcomeCustom = (from: string, to: string, name: string, body: unknown[] = [{ type: "text", text: name }]) => ({
  from,
  to,
  channel: "whatsapp",
  message_type: "custom",
  custom: {
    type: "template",
    template: {
      name: "cafe_welcome",
      language: { policy: "deterministic", code: "en_GB" },
      components: [
        { type: "body", parameters: body },
        { type: "button", sub_type: "quick_reply", index: "0", parameters: [{ type: "payload", payload: "order" }] },
        { type: "button", sub_type: "quick_reply", index: "1", parameters: [{ type: "payload", payload: "later" }] },
      ],
    },
  },
});
