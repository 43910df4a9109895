// The emoji the picker offers, with a short name (also usable as
// :shortcode: in messages) and search words in English and German. A
// curated set of what people use at work, not all of Unicode: it keeps
// the bundle small and the picker quick to scan.

export interface Emoji {
  char: string;
  name: string;
  words: string;
}

const table = `
👍 thumbsup +1 yes ok gut ja daumen
👎 thumbsdown -1 no nein schlecht
👏 clap applause klatschen bravo
🙌 raised_hands hooray hurra
🙏 pray thanks please danke bitte
👋 wave hello hallo tschüss
🤝 handshake deal abgemacht
💪 muscle strong stark
👀 eyes looking schaue
✅ white_check_mark done check erledigt fertig
✔️ heavy_check_mark check ok
❌ x no cross nein falsch
⚠️ warning achtung warnung
❗ exclamation wichtig important
❓ question frage
💯 100 hundred perfekt
🎉 tada party celebrate feiern
🥳 partying_face party feier
🚀 rocket launch ship start
🔥 fire hot heiß feuer
⭐ star stern
✨ sparkles glitzer neu
💡 bulb idea idee
📌 pushpin pin anheften
📎 paperclip attachment anhang
📅 date calendar kalender termin
⏰ alarm_clock wecker zeit
☕ coffee kaffee pause
🍕 pizza essen
🍰 cake kuchen
🎂 birthday geburtstag
🍻 beers bier prost
😀 grinning smile lachen
😃 smiley happy froh
😄 smile lächeln
😁 grin grinsen
😆 laughing lachen
😅 sweat_smile puh
😂 joy lol tränen lachen
🤣 rofl lachen
🙂 slightly_smiling_face smile
😉 wink zwinkern
😊 blush freundlich
😇 innocent unschuldig
😍 heart_eyes liebe
🥰 smiling_face_with_hearts liebe
😘 kissing_heart kuss
😋 yum lecker
😎 sunglasses cool
🤓 nerd
🤔 thinking hmm denken
🤨 raised_eyebrow skeptisch
😐 neutral_face neutral
😶 no_mouth sprachlos
🙄 roll_eyes augenrollen
😏 smirk
😬 grimacing oops
😌 relieved erleichtert
😴 sleeping müde schlafen
😷 mask krank
🤒 thermometer_face krank fieber
🤯 exploding_head wow
😲 astonished erstaunt
😳 flushed peinlich
🥺 pleading bitte
😢 cry traurig weinen
😭 sob heulen
😤 triumph
😠 angry wütend
😡 rage sauer
🤬 cursing fluchen
😱 scream schreck
😰 cold_sweat angst
🤗 hugging umarmung
🤫 shushing psst
🤐 zipper_mouth geheim
🤷 shrug weiß nicht
🤦 facepalm
🙈 see_no_evil affe
❤️ heart herz liebe
🧡 orange_heart herz
💛 yellow_heart herz
💚 green_heart herz
💙 blue_heart herz
💜 purple_heart herz
🖤 black_heart herz
💔 broken_heart herz
🎯 dart ziel target
🏆 trophy pokal sieg
🥇 first_place gold erster
📈 chart_up wachstum
📉 chart_down rückgang
📊 bar_chart statistik
💰 moneybag geld
🛠️ tools werkzeug
🐛 bug fehler
🔒 lock schloss geheim
🔑 key schlüssel
📝 memo notiz
📣 mega ankündigung
🔔 bell glocke
💬 speech_balloon kommentar
🏠 house zuhause home
🌞 sun_with_face sonne
🌧️ rain regen
❄️ snowflake schnee
🎄 christmas_tree weihnachten
🐶 dog hund
🐱 cat katze
`;

export const emojis: readonly Emoji[] = table
  .trim()
  .split("\n")
  .map((line) => {
    const [char = "", name = "", ...words] = line.trim().split(/\s+/);
    return { char, name, words: [name, ...words].join(" ").toLowerCase() };
  });

/** The few offered first, as quick reactions. */
export const quickReactions = ["👍", "❤️", "😂", "🎉", "👀", "✅"];

const byName = new Map(emojis.map((e) => [e.name, e.char]));

/** The emoji for a :shortcode: name, if we know it. */
export function emojiFor(name: string): string | undefined {
  return byName.get(name.toLowerCase());
}

/** Emoji whose name or words start with every word of the query. */
export function searchEmoji(query: string): readonly Emoji[] {
  const q = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (q.length === 0) return emojis;
  return emojis.filter((e) => {
    const words = e.words.split(" ");
    return q.every((part) => words.some((w) => w.startsWith(part)));
  });
}

/** Turns :name: shortcodes the picker knows into emoji ("Done :tada:" → "Done 🎉"). */
export function replaceShortcodes(text: string): string {
  return text.replace(/:([a-z0-9_+-]{1,40}):/g, (m, name: string) => emojiFor(name) ?? m);
}
