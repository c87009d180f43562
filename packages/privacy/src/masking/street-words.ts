/**
 * Street-type words for the address detector, grouped by where they stand in an address line:
 *
 * - `AFTER_NAME`: the type follows the street's name (`Union Avenue`, `Reinickendorfer Str.`,
 *   `Okul Sokak`, `MG Road`). English primary suffixes and abbreviations are those of USPS
 *   Publication 28, Appendix C1 (a US government work, public domain), with the British and
 *   Indian ones it lacks (`Close`, `Mews`, `Marg`, `Nagar`); German, Dutch and Turkish types
 *   written as separate words.
 * - `BEFORE_NAME`: the type precedes the name (`rue de Provence`, `Calle Mayor`, `Via Tomei`,
 *   `Rua Melo`, `ul. Pieczek`, `شارع الملك`): French, Spanish (the INE's `tipos de vía`), Italian,
 *   Portuguese, Polish and Arabic types.
 * - `COMPOUND_SUFFIX`: German and Dutch endings of one-word street names (`Lindenweg`,
 *   `Hauptstraße`, `Kuijpersweg`, `Boschplantsoen`).
 *
 * Written from the languages' own usage and the sources named; matched case-insensitively.
 */

const words = (text: string): string[] => text.trim().split(/\s+/);

export const AFTER_NAME: readonly string[] = words(`
  Alley Aly Annex Arcade Avenue Ave Av Bayou Beach Bend Bluff Bluffs Bottom Boulevard Blvd Branch
  Bridge Brook Brooks Burg Burgs Bypass Camp Canyon Cape Causeway Center Centers Ctr Circle Circles
  Cir Cliff Cliffs Club Common Commons Corner Corners Course Court Courts Ct Cove Coves Creek
  Crescent Cres Crest Crossing Crossroad Curve Dale Dam Divide Drive Drives Dr Estate Estates
  Expressway Expy Extension Extensions Ext Fall Falls Ferry Field Fields Flat Flats Ford Fords
  Forest Forge Forges Fork Forks Fort Freeway Fwy Garden Gardens Gateway Glen Glens Green Greens
  Grove Groves Harbor Harbors Haven Heights Hts Highway Hwy Hill Hills Hollow Inlet Island Islands
  Isle Junction Junctions Key Keys Knoll Knolls Lake Lakes Land Landing Lane Ln Light Lights Loaf
  Lock Locks Lodge Loop Mall Manor Manors Meadow Meadows Mews Mill Mills Mission Motorway Mount
  Mountain Mountains Neck Orchard Oval Overpass Park Parks Parkway Parkways Pkwy Pass Passage Path
  Pike Pine Pines Place Pl Plain Plains Plaza Point Points Port Ports Prairie Radial Ramp Ranch
  Rapid Rapids Rest Ridge Ridges River Road Roads Rd Route Row Run Shoal Shoals Shore Shores Skyway
  Spring Springs Spur Spurs Square Squares Sq Station Stravenue Stream Street Streets St Summit
  Terrace Ter Throughway Trace Track Trafficway Trail Trailer Tunnel Turnpike Underpass Union Unions
  Valley Valleys Viaduct View Views Village Villages Ville Vista Walk Walks Wall Way Ways Well Wells
  Close Rise Wharf Yard Parade Drove Chase Rue Marg Nagar Colony Chowk Layout Enclave Vihar Bagh Puram
  Straße Strasse Str. Weg Allee Platz Gasse Ring Damm Ufer Chaussee Pfad Steig Markt Promenade Hof
  straat laan weg plein gracht kade singel dijk dreef
  Sokak Sokağı Sok. Sk. Cadde Caddesi Cad. Cd. Bulvar Bulvarı Blv. Yolu Mahallesi Mah. Meydanı
`);

export const BEFORE_NAME: readonly string[] = words(`
  rue avenue av. boulevard bd bd. place allée impasse chemin quai cours passage route square voie
  sentier rond-point cité villa hameau faubourg esplanade parvis promenade montée ruelle lieu-dit
  calle c/ avenida avda. paseo plaza pza. camino carretera ctra. ronda travesía glorieta pasaje
  callejón urbanización urb. barrio bulevar rambla vía costanilla cuesta alameda polígono senda
  acceso aldea arrabal arroyo bajada barranco bloque calleja caserío colonia conjunto diseminado
  edificio escalinata explanada extramuros finca grupo huerta jardines lugar mercado muelle parque
  parcela poblado puente puerta salida sector subida torrente
  via viale piazza piazzale corso largo vicolo strada contrada borgo rotonda lungomare salita
  traversa vico località loc. frazione incrocio canale
  rua r. travessa tv. praça rodovia rod. estrada beco ladeira viela marginal quadra vila
  ulica ul. aleja al. plac pl. osiedle os. rondo skwer droga wybrzeże wyb. bulwar bulw. ogród wyspa
  szosa rynek trakt park
  شارع طريق جادة سبيل ممر زقاق ساحة حي درب ميدان رصيف
`);

export const COMPOUND_SUFFIX: readonly string[] = words(`
  straße strasse str. weg allee platz gasse ring damm ufer chaussee pfad steig markt hof berg feld
  park garten wall graben kamp brücke stieg twiete höhe tor zeile winkel anger aue wiese weide
  siedlung bogen grund blick
  straat laan plein gracht kade singel dijk dreef baan plantsoen erf veld burgwal haven oord hof
  pad steeg
`);

/** Japan's 47 prefectures, as addresses begin. */
export const JA_PREFECTURES: readonly string[] = words(`
  北海道 青森県 岩手県 宮城県 秋田県 山形県 福島県 茨城県 栃木県 群馬県 埼玉県 千葉県 東京都 神奈川県
  新潟県 富山県 石川県 福井県 山梨県 長野県 岐阜県 静岡県 愛知県 三重県 滋賀県 京都府 大阪府 兵庫県
  奈良県 和歌山県 鳥取県 島根県 岡山県 広島県 山口県 徳島県 香川県 愛媛県 高知県 福岡県 佐賀県 長崎県
  熊本県 大分県 宮崎県 鹿児島県 沖縄県
`);

/** Words for a flat, floor, suite or building after the street line, in the same languages. */
export const UNIT_WORDS: readonly string[] = words(`
  Apt. Apt Apartment Suite Ste. Unit Flat Floor Fl. Room Bldg. Building Zimmer Whg. Wohnung OG EG
  Etage App. Appartamento Piano Int. Interno Scala m. lok. apto apto. apt. casa bloco sala andar
  D: Daire Kat hoog huis bus escalera esc. piso puerta bajo شقة طابق عمارة مبنى
`);
