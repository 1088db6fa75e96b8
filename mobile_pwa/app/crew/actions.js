// Doing a crew action: always through the device's outbox (one path online and offline), then sent at once
// when the network allows; the crew hears what became of it.

import { lang, t } from "../i18n.js";
import { requestSync, trySending } from "../sync.js";
import { announce } from "../util.js";
import { action, CREW_SYNC_TAG, enqueueAction } from "./queue.js";
import * as store from "./store.js";

/** Queue and try to send; "sent", "waiting" (kept on the device) or "refused" (shown in the conflicts). */
export async function perform({ action: name, ticket, fields = {}, photo = null }) {
  const me = await store.me();
  const item = await enqueueAction({ action: name, ticket, staffId: me?.id, fields, photo, lang: lang() });
  requestSync(CREW_SYNC_TAG);
  await trySending();
  const left = await action(item.key);
  const outcome = !left ? "sent" : left.status === "refused" ? "refused" : "waiting";
  const what = t(`crew.action.${name}`, { ref: ticket.ref });
  announce(outcome === "sent" ? t("crew.sent", { what })
    : outcome === "refused" ? t("crew.refused", { what }) : t("crew.queued", { what }));
  return outcome;
}
