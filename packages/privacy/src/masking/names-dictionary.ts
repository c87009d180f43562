/**
 * The curated core of the person-name detector's lists: about 390 common given names and 700
 * common surnames of the United States and the United Kingdom (the most frequent entries of the US
 * Social Security baby-name and Census surname tables and of the UK ONS tables, compiled by hand).
 * `name-lists.ts` adds compromise's names and two large multicultural lists; pass `extraNames` to
 * the detector for a population whose names they miss.
 *
 * `AMBIGUOUS_NAMES` are names that are also everyday capitalised words (months, colours, trades,
 * virtues). On their own they are not reported; next to another name they are.
 */

const words = (text: string): string[] =>
  text
    .trim()
    .split(/\s+/)
    .map((w) => w.toLowerCase());

export const FIRST_NAMES: readonly string[] = words(`
  James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew
  Anthony Taylor Morgan Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward
  Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin
  Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan
  Henry Douglas Zachary Peter Kyle Ethan Walter Noah Jeremy Christian Keith Roger Terry Gerald
  Harold Sean Austin Carl Arthur Lawrence Dylan Jesse Jordan Bryan Billy Joe Bruce Gabriel Logan
  Albert Willie Alan Juan Wayne Elijah Randy Roy Vincent Ralph Eugene Russell Bobby Mason Philip
  Louis Harry Oliver Charlie Oscar Leo Archie Alfie Freddie Theo Arlo Finley Reuben Toby Rory Callum
  Connor Liam Lucas Owen Caleb Isaac Luke Hunter Evan Ian Cole Chase Blake Carter Wyatt Jayden Aiden
  Levi Sebastian Julian Miles Max Hugo Felix Jasper Elliot Ezra Simon Martin Neil Graham Colin
  Nigel Trevor Barry Stuart Derek Clive Malcolm Gordon Howard Dale Glenn Craig Shane Curtis Travis
  Marcus Victor Manuel Carlos Luis Miguel Antonio Diego Pedro Ricardo Rafael Fernando Jorge Mohammed
  Muhammad Ahmed Ali Omar Hassan Ibrahim Yusuf Raj Arjun Ravi Sanjay Amit Wei Jian Hiroshi Kenji
  Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret
  Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah Stephanie Rebecca
  Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha
  Katherine Christine Debra Rachel Carolyn Janet Catherine Maria Heather Diane Ruth Julie Olivia
  Joyce Virginia Victoria Kelly Lauren Christina Joan Evelyn Judith Megan Andrea Cheryl Hannah
  Jacqueline Martha Gloria Teresa Ann Sara Madison Frances Kathryn Janice Jean Abigail Alice Julia
  Judy Sophia Denise Amber Doris Marilyn Danielle Beverly Isabella Theresa Diana Natalie Brittany
  Charlotte Marie Kayla Alexis Lori Amelia Isla Ava Mia Ella Poppy Lily Evie Freya Florence Ivy
  Rosie Phoebe Matilda Harper Chloe Zoe Layla Nora Riley Aria Scarlett Penelope Luna Stella Hazel
  Violet Aurora Lucy Ellie Sophie Jade Holly Leah Megan Abby Paige Bethany Gemma Kirsty Claire
  Fiona Gillian Alison Joanne Tracey Wendy Lesley Elaine Pauline Lorraine Maureen Sheila Jill
  Caroline Rachael Louise Natasha Vanessa Monica Veronica Erica Erin Tiffany Crystal Tara Dana
  Rosa Ana Carmen Lucia Elena Sofia Valentina Camila Gabriela Isabel Fatima Aisha Zainab Priya
  Anjali Sunita Mei Yuki Keiko Ingrid Astrid Greta Heidi Claudia Sabine Monique Nadia Irina Olga
`);

export const SURNAMES: readonly string[] = words(`
  Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez
  Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark
  Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams
  Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker
  Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper
  Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James
  Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster
  Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher
  Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno
  West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall
  Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb
  Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason
  Dixon Munoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren
  Mills Meyer Rice Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne
  Grant Dunn Kelley Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight
  Elliott Cunningham Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry
  Perkins Hoffman Johnston Matthews Pena Richards Contreras Willis Carpenter Lawrence Sandoval
  Guerrero George Chapman Rios Estrada Ortega Watkins Greene Nunez Wheeler Valdez Harper Burke
  Larson Santiago Maldonado Morrison Franklin Carlson Austin Dominguez Carr Lawson Jacobs Obrien
  O'Brien Lynch Singh Vega Bishop Montgomery Oliver Jensen Harvey Williamson Gilbert Dean Sims
  Espinoza Howell Li Wong Reid Hanson Le McCoy Garrett Burton Fuller Wang Weber Welch Rojas Lucas
  Marquez Fields Park Yang Little Banks Padilla Day Walsh Bowman Schultz Luna Fowler Mejia Davidson
  Acosta Brewer May Holland Juarez Newman Pearson Curtis Cortez Douglas Schneider Joseph Barrett
  Navarro Figueroa Keller Avila Wade Molina Stanley Hopkins Campos Barnett Bates Chambers Caldwell
  Beck Lambert Miranda Byrd Craig Ayala Lowe Frazier Powers Neal Leonard Gregory Carrillo Sutton
  Fleming Rhodes Shelton Schwartz Norris Jennings Watts Duran Walters Cohen McDaniel Moran Parks
  Steele Vaughn Becker Holt Deleon Barker Terry Hale Leon Hail Benson Haynes Horton Miles Lyons
  Pham Graves Bush Thornton Wolfe Warner Cabrera McKinney Mann Zimmerman Dawson Lara Fletcher Page
  McCarthy Love Robles Cervantes Solis Erickson Reeves Chang Klein Salinas Fuentes Baldwin Daniel
  Simon Velasquez Hardy Higgins Aguirre Lin Cummings Chandler Sharp Barber Bowen Ochoa Dennis
  Robbins Liu Ramsey Francis Griffith Paul Blair Oconnor O'Connor Cardenas Pacheco Cross Calderon
  Quinn Moss Swanson Chan Rivas Khan Rodgers Serrano Fitzgerald Rosales Stevenson Christensen
  Manning Gill Curry McLaughlin Harmon McGee Gross Doyle Garner Newton Burgess Reese Walton Blake
  Trujillo Adkins Brady Goodman Roman Webster Goodwin Fischer Huang Potter Delacruz Montoya Todd Wu
  Hines Mullins Castaneda Malone Cannon Tate Mack Sherman Hubbard Hodges Zhang Guerra Wolf Valencia
  Saunders Franco Rowe Gallagher Farmer Hammond Hampton Townsend Ingram Wise Gallegos Clarke Barton
  Schroeder Maxwell Waters Logan Camacho Strickland Norman Person Colon Parsons Frank Harrington
  Glover Osborne Buchanan Casey Floyd Patton Ibarra Ball Tyler Suarez Bowers Orozco Salas Cobb
  Gibbs Andrade Bauer Conner Moody Escobar McGuire Lloyd Mueller Hartman French Kramer McBride Pope
  Lindsey Velazquez Norton McCormick Sparks Flynn Yates Hogan Marsh Macias Villanueva Zamora Pratt
  Stokes Owen Ballard Lang Brock Villarreal Charles Drake Barrera Cain Patrick Pineda Burnett Mercado
  Santana Shepherd Bautista Ali Shaffer Lamb Trevino McKenzie Hess Beil Olsen Cochran Morton Nash
  Wilkins Petersen Briggs Shah Roth Nicholson Holloway Lozano Rangel Flowers Hoover Short Arias Mora
  Valenzuela Bryan Meyers Weiss Underwood Bass Greer Summers Houston Carson Morrow Clayton Whitaker
  Decker Yoder Collier Zuniga Carey Wilcox Melendez Poole Roberson Larsen Conley Davenport Copeland
  Massey Lam Huff Rocha Cameron Jefferson Hood Monroe Anthony Pittman Huynh Randall Singleton Kirk
  Combs Mathis Christian Skinner Bradford Richard Galvan Wall Boone Kirby Wilkinson Bridges Bruce
  Atkinson Velez Meza Roy Vincent York Hodge Villa Abbott Allison Tapia Gates Chase Sosa Sweeney
  Farrell Wyatt Dalton Horn Barron Phelps Yu Dickerson Heath Foley Atkins Mathews Bonilla Acevedo
  Benitez Zavala Hensley Glenn Cisneros Harrell Shields Rubio Choi Huffman Boyer Garrison Arroyo
  Bond Kane Hancock Callahan Dillon Cline Wiggins Grimes Arellano Melton Oneill O'Neill Savage Ho
  Beltran Pitts Parrish Ponce Rich Booth Koch Golden Ware Brennan McDowell Marks Cantu Humphrey
`);

/** Names that are also common capitalised words or places; reported only next to another name. */
export const AMBIGUOUS_NAMES: ReadonlySet<string> = new Set(
  words(`
  May June April August Will Mark Bill Rose Grace Hope Faith Joy Summer Autumn Dawn Rich Ray Art
  Brown White Green Black Gray Grey Young King Hill Wood Woods Stone Long Little Bell Rice Price
  Bush Ford Hunt Cook Baker Miller Carter Hunter Mason Page Love Day Park Lane West Cross Moss Wall
  Bass Short Hood Cannon Frank Grant Major Sharp Holly Ivy Violet Hazel Amber Jade Crystal Chase Max
  Person Golden Law Banks Fields Powers Waters Flowers Sparks Walker Hall Church Temple Jordan
  Austin Paris Florence Victoria Charlotte Houston Lincoln Washington Madison Bishop Dean Gill Kirk
  Roman Wolf Fox Lamb Drake Lee Li Le Ho Yu Christian Carey Holland French Glover Wise Beck Cole
  Ball Marsh Booth Pope Rowe Lucas Luna Rivera Reed Brooks Moody Ingram Potter Farmer Barber
`),
);
