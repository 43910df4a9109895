// Desktop notifications and the app badge. Chat will call notify() for
// DMs and mentions and setBadge() with the unread count; both respect
// the person's choices (permission, do not disturb) in one place here.

import { createStore } from "../base/store";

export type Permission = NotificationPermission | "unsupported";

function currentPermission(): Permission {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

export const notificationPermission = createStore<Permission>(currentPermission());

/** Do not disturb: set from the person's status once presence exists. */
export const doNotDisturb = createStore<boolean>(false);

export async function requestNotificationPermission(): Promise<Permission> {
  if (typeof Notification === "undefined") return "unsupported";
  const p = await Notification.requestPermission();
  notificationPermission.set(p);
  return p;
}

export interface DesktopNotification {
  title: string;
  body: string;
  /** Same tag replaces an earlier notification (e.g. one per channel). */
  tag?: string;
  /** Where a click takes the person, e.g. /c/general?m=123. */
  url: string;
  icon?: string;
}

/** Whether a notification would be shown now. */
export function shouldNotify(permission: Permission, dnd: boolean, pageVisible: boolean): boolean {
  return permission === "granted" && !dnd && !pageVisible;
}

export async function notify(n: DesktopNotification): Promise<void> {
  if (!shouldNotify(notificationPermission.get(), doNotDisturb.get(), document.visibilityState === "visible")) return;
  const reg = await navigator.serviceWorker?.getRegistration();
  const options: NotificationOptions = { body: n.body, tag: n.tag, icon: n.icon ?? "/icons/icon-192.png", data: { url: n.url } };
  if (reg) await reg.showNotification(n.title, options);
  else new Notification(n.title, options);
}

/** Shows count on the installed app's icon (0 clears it). */
export async function setBadge(count: number): Promise<void> {
  const nav = navigator as Navigator & { setAppBadge?: (n?: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
  try {
    if (count > 0) await nav.setAppBadge?.(count);
    else await nav.clearAppBadge?.();
  } catch {
    // Badges are a nicety; browsers without support or permission say no.
  }
}
