// Store failures the user must act on, told apart from bugs by their kind.
/** The store failed in a way the user must act on: a full disk, an unreadable store. */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly kind: "disk-full" | "unwritable" | "unreadable" | "damaged",
  ) {
    super(message);
    this.name = "StoreError";
  }
}
