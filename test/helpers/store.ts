// Test helper: a store on a fresh temporary home, always closed and removed afterwards.
import path from "node:path";
import { Store } from "../../src/store/store.js";
import { withTempHome } from "./home.js";

/**
 * Runs `fn` on a store opened in a fresh temporary home and closes it whatever
 * happens; then `after` (checks of what a later open finds), before the home goes.
 */
export async function withStore(fn: (store: Store, db: string) => Promise<void>, after?: (db: string) => Promise<void>): Promise<void> {
  await withTempHome(async (home) => {
    const db = path.join(home, "db");
    const store = await Store.open(db);
    try {
      await fn(store, db);
    } finally {
      await store.close();
    }
    await after?.(db);
  });
}
