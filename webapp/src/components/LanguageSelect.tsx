import { localeNames, localePref, locales, useT, type LocalePref } from "../i18n";
import { useStore } from "../base/store";
import { SelectField } from "./Field";

export function LanguageSelect({ className }: { className?: string }) {
  const t = useT();
  const pref = useStore(localePref.store);
  return (
    <SelectField
      label={t("prefs.language")}
      className={className}
      value={pref}
      onChange={(e) => localePref.set(e.target.value as LocalePref)}
    >
      <option value="auto">{t("prefs.languageAuto")}</option>
      {locales.map((l) => (
        <option key={l} value={l} lang={l}>
          {localeNames[l]}
        </option>
      ))}
    </SelectField>
  );
}
