/**
 * Person names in Japanese text, which has no capitals and no spaces between words:
 *
 * | cue                                                                         | score |
 * |-----------------------------------------------------------------------------|-------|
 * | an honorific after the name: `佐藤様`, `古谷 あゆみさん`, `林氏`, `田中先生`  | 0.85  |
 * | family and given name written apart (`青木 萌`, `窪田　幸雄`): a space inside Japanese text | 0.75 |
 * | a common family name (`JA_SURNAMES`) and a given name before a particle (`八木太一が`) | 0.7 |
 * | after `患者`, `氏名`, `名前`, `担当` and a colon or `の`                       | 0.7   |
 *
 * A run ending in a word for a company, department or place (`株式会社`, `部`, `課`, `市`) is not a
 * person, whatever follows it.
 */
import type { EntitySpan } from './entities';

/**
 * About 150 of the most common Japanese family names, compiled by hand from published frequency
 * rankings (they cover roughly a third of the population).
 */
export const JA_SURNAMES: ReadonlySet<string> = new Set(
  `佐藤 鈴木 高橋 田中 伊藤 渡辺 渡邊 渡部 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 斉藤
  齋藤 清水 山崎 森 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本
  福田 太田 西村 藤井 金子 岡本 藤原 中野 三浦 原田 中川 松田 竹内 小野 田村 中山 和田 石田 森田 上田 原 内田
  柴田 酒井 宮崎 横山 高木 安藤 宮本 大野 小島 谷口 今井 工藤 高田 増田 丸山 杉山 村田 大塚 新井 小山 平野
  藤本 河野 上野 野口 武田 松井 千葉 岩崎 菅原 木下 久保 佐野 野村 松尾 市川 菊地 杉本 古川 大西 島田 水野
  桜井 高野 吉川 山内 西田 飯田 菊池 西川 小松 北村 安田 五十嵐 川口 平田 関 中田 久保田 服部 東 岩田 土屋
  川崎 福島 本田 辻 樋口 秋山 田口 永井 山中 中西 吉村 川上 大石 須藤 荒木 宮田 小池 大橋 浅野 松下 馬場
  大久保 野田 星野 小西 松岡 内藤 黒田 尾崎 川村 永田 望月 堀 田辺 松村 荒井 西山 八木 堀内 前川 松浦`
    .trim()
    .split(/\s+/),
);

const HAN = String.raw`\p{Script=Han}々`;
const KANA = String.raw`\p{Script=Hiragana}\p{Script=Katakana}ー`;
const HONORIFIC = /(?:様|さま|さん|氏|先生|殿|君|くん|ちゃん)/u;
/** Endings of names of firms, departments and places. */
const NOT_A_PERSON =
  /(?:株式会社|有限会社|合同会社|\(株\)|（株）)|(?:会社|銀行|病院|医院|部|課|室|係|センター|本社|支店|県|都|府|道|市|区|町|村|郡|駅|学校|大学)$/u;

/** A name's kana or kanji that is not a particle or an honorific. */
const NAME_CHAR = `(?:(?!が|は|に|の|を|と|も|へ|で|や|より|から|様|さま|さん|氏|先生|殿|君|くん|ちゃん)[${HAN}${KANA}])`;
const WITH_HONORIFIC = new RegExp(`([${HAN}]{1,4}(?:[ 　]?[${HAN}${KANA}]{1,4})?)(?=${HONORIFIC.source})`, 'gu');
const SPACED = new RegExp(`(?<![${HAN}${KANA}])[${HAN}]{1,3}[ 　]${NAME_CHAR}{1,4}`, 'gu');
const PARTICLE_AFTER = String.raw`(?=が|は|に|の|を|と|より|から|へ|も|、|。|（|\(|）|\)|：|:|\s|$)`;
const AFTER_CONTEXT = new RegExp(
  String.raw`(?<=(?:患者|氏名|名前|担当|担当者|お客様)(?:：|:|の|は)\s?)[${HAN}]{1,4}[ 　]?${NAME_CHAR}{0,4}${PARTICLE_AFTER}`,
  'gu',
);
const SURNAME_FIRST = new RegExp(
  `(?<![${HAN}])(?:${[...JA_SURNAMES].sort((a, b) => b.length - a.length).join('|')})[ 　]?${NAME_CHAR}{1,3}?${PARTICLE_AFTER}`,
  'gu',
);

/** Japanese person names in `text`. */
export function detectJapaneseNames(text: string): EntitySpan[] {
  if (!/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u.test(text)) return [];
  const spans: EntitySpan[] = [];
  const add = (start: number, name: string, score: number, honorific = false): void => {
    let s = start;
    let n = name;
    // A name before an honorific starts after the particle that joins it to what comes before (`港町の米田様`).
    const joint = honorific ? Math.max(n.lastIndexOf('の'), n.lastIndexOf('が'), n.lastIndexOf('は'), n.lastIndexOf('を')) : -1;
    if (joint >= 0 && joint < n.length - 1) {
      s += joint + 1;
      n = n.slice(joint + 1);
    }
    if (n.trim().length < 2 || NOT_A_PERSON.test(n.trim())) return;
    spans.push({ start: s, end: s + n.trimEnd().length, type: 'PERSON', score });
  };
  for (const m of text.matchAll(WITH_HONORIFIC)) add(m.index, m[1] as string, 0.85, true);
  for (const m of text.matchAll(SPACED)) add(m.index, m[0], 0.75);
  for (const m of text.matchAll(AFTER_CONTEXT)) add(m.index, m[0], 0.7);
  for (const m of text.matchAll(SURNAME_FIRST)) add(m.index, m[0], 0.7);
  return spans;
}
