/**
 * The words around names that the person detector reads, in the languages it covers (English,
 * German, French, Spanish, Italian, Dutch, Portuguese, Polish, Turkish, with Hindi and Arabic
 * context words): courtesy titles, words that announce a person, particles inside names, words that
 * make a capitalised run an organisation or a place, and function words that are never names.
 * Written from the languages themselves; all lower case, matched after case folding.
 */

const words = (text: string): ReadonlySet<string> => new Set(text.trim().split(/\s+/));

/** Titles written before a name (with or without a full stop): `Dr. Smith`, `Frau Huneke`, `Sra. Paz`. */
export const TITLES_BEFORE = words(`
  mr mrs ms miss mx dr prof sir dame lady lord rev fr sr sra srta srs d dña dn don doña dona
  herr herrn frau fräulein m mme mlle mm me monsieur madame mademoiselle maître
  sig sig.ra sig.na sigg dott dott.ssa ing avv geom rag arch signor signora signorina
  dhr mevr mw mej mevrouw meneer heer drs ir pan pani panią panem panu mgr inż hab
  bay bayan sayın av doç
  shri sri smt kumari
`);

/** Titles written after a name: `Ahmet Bey`, `Ayşe Hanım`, `Sharma ji`. */
export const TITLES_AFTER = words('bey hanım hanim efendi ji sahib sahab jr sr');

/** Words after which a capitalised word is a person's name (`Dear`, `patient`, `Hallo`, `Sayın`). */
export const PERSON_BEFORE = words(`
  dear hi hello hey patient patients client customer contact called ask regards thanks thank spoke
  referred approved signed attn attention nurse doctor physician caller
  hallo liebe lieber geehrte geehrter patientin patient kunde kundin von rückruf
  bonjour bonsoir cher chère patiente client cliente appelé appeler rappeler contacter
  hola estimado estimada querido querida paciente cliente llame llamar
  ciao gentile caro cara paziente cliente chiamare richiamare
  hoi beste geachte patiënt patiënte klant bellen
  oi olá ola prezado prezada paciente cliente ligar
  cześć szanowny szanowna pacjent pacjentka klient klientka
  merhaba sevgili hasta müşteri
`);

/** Verbs and auxiliaries that follow a person as subject (`… called`, `… hat angerufen`, `… belde`). */
export const PERSON_AFTER = words(`
  called rang phoned said agreed wrote asked will would has was is
  hat ruft rief meldet sagte schrieb ist war wird
  a appelle appelé recontactera dit écrit est était sera
  llamó llama contactará dijo escribió ha es era será
  ha chiamato ricontatterà disse scritto è era sarà
  belde belt neemt zei schreef heeft is was zal
  ligou liga vai disse escreveu foi é era será
  dzwonił dzwoniła zadzwonił zadzwoniła skontaktuje powiedział powiedziała jest był była
  aradı arayacak görüşecek dedi yazdı
`);

/** Arabic titles before a name (`السيد`, `الدكتورة`, `المهندس`), shared with the Arabic name detector. */
export const ARABIC_TITLES = [
  'السيد',
  'السيدة',
  'الآنسة',
  'الدكتور',
  'الدكتورة',
  'د.',
  'الأستاذ',
  'الأستاذة',
  'المهندس',
  'المهندسة',
  'الشيخ',
];

/** Words after which a name follows in Devanagari or Arabic text (`मरीज़`, `المريض`, `مرحبا`). */
export const PERSON_BEFORE_NON_LATIN = [
  'मरीज़',
  'मरीज',
  'श्री',
  'श्रीमती',
  'नमस्ते',
  'डॉ.',
  'المريض',
  'المريضة',
  'مرحبا',
  'عزيزي',
  'عزيزتي',
  ...ARABIC_TITLES,
  'اتصل',
  'اتصلت',
  'قال',
  'قالت',
  'سيتواصل',
  'ستتواصل',
  'يتواصل',
  'العميل',
  'العميلة',
];

/** Particles inside names: `van der Meulen`, `De Lorenzo`, `dos Santos`, `bin Rashid`. */
export const NAME_PARTICLES = words("van von der den de del della di da do dos das du le la ter ten 't bin ibn bint al el zu");

/** Words that make a capitalised run an organisation: `Dietrich Group`, `Moreau SARL`, `Bank of…`. */
export const ORGANISATION_WORDS = words(`
  inc inc. ltd ltd. llc plc corp corp. co co. company group holdings partners associates sons
  gmbh ag ug kg ohg e.v. gruppe bedrijf bv b.v. nv n.v. vof sarl sas sa s.a. sl s.l. sau srl s.r.l.
  spa s.p.a. snc associados ltda eireli sp z o.o. a.ş. aş şti ve ortakları limited figli fils hijos
  bank banca banco banque hospital klinik clinic klinikum clinique clínica clinica university
  universität université universidad università school schule college institute institut foundation
  stiftung fondation fundación fondazione association verein council agency ministry department
  services solutions systems technologies software consulting insurance versicherung
`);

/** Words that make the capitalised words after them a place: `Port Niko`, `Sesto Lia`, `San Clemente`. */
export const PLACE_BEFORE = words(`
  north south east west new saint st port fort mount lake san santa santo são sankt bad nord süd ost
  sud est ouest nuevo nueva sesto settimo quarto borgo villa
`);

/** Words that make the capitalised words before them a place: `Hansen Valleys`, `Carson City`. */
export const PLACE_AFTER = words(`
  bay valley valleys heights hills park city county town ville burg berg dorf stadt heim hausen feld
  furt land shire view island springs station airport centre center mall market estate estates village
  sul norte leste oeste
`);

/**
 * Frequent function words and sentence openers of the covered languages: capitalised at the start
 * of a sentence, they are never names (`The`, `Bitte`, `Merci`, `Por`, `Dzień`).
 */
export const FUNCTION_WORDS = words(`
  the a an and or but if then this that these those there here it its we you they he she i my our
  your his her their in on at by for from to of with about after before during into over under via
  is are was were be been has have had do does did not no yes please dear hi hello thanks thank
  regards best kind sincerely see meet met re fw fwd subject cc new old per via all any each some
  monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday
  der die das ein eine einer eines dem den des und oder aber wenn dann dies diese dieser dieses
  hier es wir sie er ich mein meine unser ihr ihre sein seine im am an auf aus bei mit nach seit von
  vor zu zum zur für über unter durch ist sind war waren hat haben bitte danke hallo neue neuer neues
  le la les un une des du de et ou mais si ce cet cette ces ici il elle nous vous ils elles mon ma
  mes son sa ses leur dans sur sous par pour avec sans chez est sont était merci bonjour nouvelle nouveau
  el los las uno una unos unas y o pero si este esta estos estas aquí él ella nosotros ellos mi su
  sus en con sin por para sobre entre es son era gracias hola nueva nuevo
  il lo gli uno una e o ma se questo questa questi queste qui lui lei noi voi loro mio suo nel nella
  con senza per su tra fra è sono era grazie ciao nuovo nuova
  het een en of maar als dit dat deze die hier hij zij wij jullie mijn zijn haar hun in op aan bij
  met van voor naar door over onder is zijn was waren dank hoi nieuw nieuwe
  o os as um uma e ou mas se este esta isto aqui ele ela nós eles meu minha seu sua em no na nos nas
  com sem por para sobre entre é são foi obrigado obrigada oi olá novo nova
  i w z na do od po za przez dla bez o jest są był była to ten ta te tu on ona my wy oni mój moja
  jego jej ich dziękuję cześć nowy nowa
  bir ve veya ama eğer bu şu o burada biz siz onlar benim senin onun için ile gibi kadar de da mi
  teşekkürler merhaba yeni
`);
