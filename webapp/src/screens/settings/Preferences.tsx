import { useStore } from "../../base/store";
import { LanguageSelect } from "../../components/LanguageSelect";
import { SettingsNav } from "../../components/SubNav";
import { useT } from "../../i18n";
import { notificationPermission, requestNotificationPermission } from "../../platform/notifications";
import { themePref, type ThemePref } from "../../theme/theme";

/** Language, theme and desktop notifications: kept in this browser. */
export function PreferencesScreen() {
  const t = useT();
  const theme = useStore(themePref.store);
  const permission = useStore(notificationPermission);
  const themes: { value: ThemePref; label: string }[] = [
    { value: "system", label: t("prefs.themeSystem") },
    { value: "light", label: t("prefs.themeLight") },
    { value: "dark", label: t("prefs.themeDark") },
  ];
  return (
    <div className="screen">
      <h1 tabIndex={-1}>{t("nav.preferences")}</h1>
      <SettingsNav />
      <section className="card form" aria-labelledby="prefs-look">
        <h2 id="prefs-look">{t("prefs.appearance")}</h2>
        <LanguageSelect />
        <fieldset className="radio-group">
          <legend>{t("prefs.theme")}</legend>
          {themes.map((o) => (
            <label key={o.value}>
              <input type="radio" name="theme" value={o.value} checked={theme === o.value} onChange={() => themePref.set(o.value)} />
              {o.label}
            </label>
          ))}
        </fieldset>
      </section>
      <section className="card" aria-labelledby="prefs-notify">
        <h2 id="prefs-notify">{t("prefs.notifications")}</h2>
        <p className="muted">{t("prefs.notificationsHelp")}</p>
        {permission === "granted" && <p>{t("prefs.notificationsOn")}</p>}
        {permission === "denied" && <p>{t("prefs.notificationsBlocked")}</p>}
        {permission === "unsupported" && <p>{t("prefs.notificationsUnsupported")}</p>}
        {permission === "default" && (
          <button type="button" className="btn" onClick={() => void requestNotificationPermission()}>
            {t("prefs.notificationsEnable")}
          </button>
        )}
      </section>
    </div>
  );
}
