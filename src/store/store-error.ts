// Store failures the user must act on (a full disk, a damaged store), told apart from bugs by their kind.
import { UserError, type ErrorKind } from "../core/errors.js";

type StoreKind = Extract<ErrorKind, "store-full" | "store-damaged" | "store-unwritable">;

/** The store failed in a way the user must act on: a full disk, a store that lost records, a write refused. */
export class StoreError extends UserError {
  declare readonly kind: StoreKind;
  constructor(kind: StoreKind, message: string) {
    super(kind, message);
    this.name = "StoreError";
  }
}
