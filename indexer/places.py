"""Place words that name a country without being its name.

country_converter knows official and short country names. News also points
at countries by demonyms ("Russian"), capitals and seats of government
("the Kremlin"), big cities ("Budapest") and abbreviations ("U.S."). Keys are
lower-case; values are ISO 3166-1 alpha-2 codes. `country_code()` at the end
turns a place mention into a code using these tables and country_converter.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from archive.countries import country_names, name_patterns

POSSESSIVE = re.compile(r"(?:['’]s|['’])$")

ABBREVIATIONS = {
    "u.s.": "US", "us": "US", "u.s": "US", "usa": "US", "u.s.a.": "US", "america": "US",
    "united states": "US", "united states of america": "US", "the states": "US",
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB", "united kingdom": "GB",
    "uae": "AE", "u.a.e.": "AE", "emirates": "AE", "holland": "NL", "the netherlands": "NL",
    "russian federation": "RU",
    "prc": "CN", "mainland china": "CN", "south korea": "KR", "north korea": "KP",
    "dprk": "KP", "ivory coast": "CI", "czech republic": "CZ", "czechia": "CZ",
    "drc": "CD", "dr congo": "CD", "congo": "CD", "burma": "MM", "myanmar": "MM",
    "persia": "IR", "vatican": "VA",
    "taiwan": "TW", "hong kong": "HK", "macau": "MO", "palestine": "PS",
    "gaza": "PS", "gaza strip": "PS", "west bank": "PS", "kosovo": "XK", "turkey": "TR",
    "türkiye": "TR", "east timor": "TL", "cape verde": "CV", "swaziland": "SZ",
    "eswatini": "SZ", "bosnia": "BA", "herzegovina": "BA", "crimea": "UA", "donbas": "UA",
}

DEMONYMS = {
    "american": "US", "americans": "US", "russian": "RU", "russians": "RU", "ukrainian": "UA", "ukrainians": "UA", "hungarian": "HU",
    "hungarians": "HU", "british": "GB", "briton": "GB", "britons": "GB", "english": "GB",
    "scottish": "GB", "welsh": "GB", "french": "FR", "frenchman": "FR", "german": "DE",
    "germans": "DE", "italian": "IT", "italians": "IT", "spanish": "ES", "spaniard": "ES",
    "spaniards": "ES", "portuguese": "PT", "dutch": "NL", "belgian": "BE", "swiss": "CH",
    "austrian": "AT", "swedish": "SE", "swede": "SE", "swedes": "SE", "norwegian": "NO",
    "danish": "DK", "dane": "DK", "danes": "DK", "finnish": "FI", "finn": "FI",
    "icelandic": "IS", "irish": "IE", "polish": "PL", "pole": "PL", "poles": "PL",
    "czech": "CZ", "czechs": "CZ", "slovak": "SK", "slovenian": "SI", "croatian": "HR",
    "croat": "HR", "serbian": "RS", "serb": "RS", "serbs": "RS", "bosnian": "BA",
    "albanian": "AL", "greek": "GR", "greeks": "GR", "turkish": "TR", "turk": "TR",
    "turks": "TR", "romanian": "RO", "bulgarian": "BG", "moldovan": "MD",
    "belarusian": "BY", "belarussian": "BY", "lithuanian": "LT", "latvian": "LV",
    "estonian": "EE", "georgian": "GE", "armenian": "AM", "azerbaijani": "AZ",
    "azeri": "AZ", "kazakh": "KZ", "uzbek": "UZ", "chinese": "CN", "japanese": "JP",
    "korean": "KR", "south korean": "KR", "north korean": "KP", "taiwanese": "TW",
    "indian": "IN", "indians": "IN", "pakistani": "PK", "pakistanis": "PK",
    "afghan": "AF", "afghans": "AF", "bangladeshi": "BD", "sri lankan": "LK",
    "nepalese": "NP", "iranian": "IR", "iranians": "IR", "iraqi": "IQ", "iraqis": "IQ",
    "syrian": "SY", "syrians": "SY", "lebanese": "LB", "israeli": "IL", "israelis": "IL",
    "palestinian": "PS", "palestinians": "PS", "jordanian": "JO", "saudi": "SA",
    "saudis": "SA", "yemeni": "YE", "omani": "OM", "qatari": "QA", "kuwaiti": "KW",
    "emirati": "AE", "bahraini": "BH", "egyptian": "EG", "egyptians": "EG",
    "libyan": "LY", "tunisian": "TN", "algerian": "DZ", "moroccan": "MA",
    "sudanese": "SD", "ethiopian": "ET", "kenyan": "KE", "somali": "SO",
    "nigerian": "NG", "ghanaian": "GH", "south african": "ZA", "zimbabwean": "ZW",
    "zambian": "ZM", "ugandan": "UG", "tanzanian": "TZ", "rwandan": "RW",
    "congolese": "CD", "angolan": "AO", "mozambican": "MZ", "senegalese": "SN",
    "malian": "ML", "canadian": "CA", "canadians": "CA", "mexican": "MX",
    "mexicans": "MX", "cuban": "CU", "cubans": "CU", "brazilian": "BR", "argentine": "AR",
    "argentinian": "AR", "chilean": "CL", "peruvian": "PE", "colombian": "CO",
    "venezuelan": "VE", "ecuadorian": "EC", "bolivian": "BO", "uruguayan": "UY",
    "paraguayan": "PY", "haitian": "HT", "jamaican": "JM", "nicaraguan": "NI",
    "panamanian": "PA", "australian": "AU", "australians": "AU", "new zealander": "NZ",
    "indonesian": "ID", "malaysian": "MY", "singaporean": "SG", "thai": "TH",
    "vietnamese": "VN", "filipino": "PH", "philippine": "PH", "burmese": "MM",
    "cambodian": "KH", "mongolian": "MN", "kiwi": "NZ",
}

# States that no longer exist, under their ISO 3166-3 former alpha-2 codes
# (SU, DD, YU, CS): a name that can only mean the old state maps to it
# whatever the article's date. West Germany is the Federal Republic that
# goes on as today's Germany, so it keeps DE.
HISTORICAL = {
    "soviet union": "SU", "ussr": "SU", "u.s.s.r.": "SU", "soviet": "SU", "soviets": "SU",
    "union of soviet socialist republics": "SU",
    "east germany": "DD", "east german": "DD", "east germans": "DD", "gdr": "DD",
    "german democratic republic": "DD", "east berlin": "DD",
    "west germany": "DE", "west german": "DE", "west germans": "DE",
    "federal republic of germany": "DE",
    "yugoslavia": "YU", "yugoslav": "YU", "yugoslavs": "YU",
    "czechoslovakia": "CS", "czechoslovak": "CS", "czechoslovaks": "CS",
}

# Today's states inside a former one, and the day the former one ended: a
# story dated before it that says "Moscow" or "Russia" means the Soviet Union.
OF_ITS_TIME = [
    ({"RU", "UA", "BY", "KZ", "UZ", "GE", "AM", "AZ", "LT", "LV", "EE", "MD", "KG", "TJ", "TM"},
     dt.date(1991, 12, 26), "SU"),
    ({"RS", "HR", "SI", "BA", "MK", "ME", "XK"}, dt.date(1991, 6, 25), "YU"),
    ({"CZ", "SK"}, dt.date(1993, 1, 1), "CS"),
]


def of_its_time(code: str | None, date: dt.date | None) -> str | None:
    """The code a place had on the article's date (None date: today's)."""
    if code is None or date is None:
        return code
    for members, ended, old in OF_ITS_TIME:
        if code in members and date < ended:
            return old
    return code


# Seats of government and other places that stand for a state in news prose.
SEATS = {
    "kremlin": "RU", "the kremlin": "RU", "white house": "US", "the white house": "US",
    "pentagon": "US", "the pentagon": "US", "capitol hill": "US", "oval office": "US",
    "downing street": "GB", "whitehall": "GB", "elysee": "FR", "élysée": "FR",
    "elysee palace": "FR", "élysée palace": "FR", "quai d'orsay": "FR",
    "zhongnanhai": "CN", "blue house": "KR", "bundeskanzleramt": "DE",
}

CITIES = {
    # capitals
    "washington": "US", "washington, d.c.": "US", "moscow": "RU", "kyiv": "UA", "kiev": "UA",
    "budapest": "HU", "london": "GB", "paris": "FR", "berlin": "DE", "bonn": "DE",
    "rome": "IT", "madrid": "ES", "lisbon": "PT", "amsterdam": "NL", "the hague": "NL",
    "brussels": "BE", "bern": "CH", "vienna": "AT", "stockholm": "SE", "oslo": "NO",
    "copenhagen": "DK", "helsinki": "FI", "reykjavik": "IS", "dublin": "IE",
    "warsaw": "PL", "prague": "CZ", "bratislava": "SK", "ljubljana": "SI", "zagreb": "HR",
    "belgrade": "RS", "sarajevo": "BA", "tirana": "AL", "athens": "GR", "ankara": "TR",
    "bucharest": "RO", "sofia": "BG", "chisinau": "MD", "minsk": "BY", "vilnius": "LT",
    "riga": "LV", "tallinn": "EE", "tbilisi": "GE", "yerevan": "AM", "baku": "AZ",
    "astana": "KZ", "tashkent": "UZ", "beijing": "CN", "peking": "CN", "tokyo": "JP",
    "seoul": "KR", "pyongyang": "KP", "taipei": "TW", "new delhi": "IN", "delhi": "IN",
    "islamabad": "PK", "kabul": "AF", "dhaka": "BD", "colombo": "LK", "kathmandu": "NP",
    "tehran": "IR", "baghdad": "IQ", "damascus": "SY", "beirut": "LB",
    "jerusalem": "IL", "tel aviv": "IL", "amman": "JO", "riyadh": "SA", "sanaa": "YE",
    "muscat": "OM", "doha": "QA", "kuwait city": "KW", "abu dhabi": "AE", "dubai": "AE",
    "manama": "BH", "cairo": "EG", "tripoli": "LY", "tunis": "TN", "algiers": "DZ",
    "rabat": "MA", "khartoum": "SD", "addis ababa": "ET", "nairobi": "KE",
    "mogadishu": "SO", "abuja": "NG", "lagos": "NG", "accra": "GH", "pretoria": "ZA",
    "johannesburg": "ZA", "cape town": "ZA", "harare": "ZW", "lusaka": "ZM",
    "kampala": "UG", "dodoma": "TZ", "dar es salaam": "TZ", "kigali": "RW",
    "kinshasa": "CD", "luanda": "AO", "maputo": "MZ", "dakar": "SN", "bamako": "ML",
    "ottawa": "CA", "toronto": "CA", "montreal": "CA", "vancouver": "CA",
    "mexico city": "MX", "havana": "CU", "brasilia": "BR", "sao paulo": "BR",
    "são paulo": "BR", "rio de janeiro": "BR", "buenos aires": "AR", "santiago": "CL",
    "lima": "PE", "bogota": "CO", "bogotá": "CO", "caracas": "VE", "quito": "EC",
    "la paz": "BO", "montevideo": "UY", "asuncion": "PY", "port-au-prince": "HT",
    "kingston": "JM", "managua": "NI", "panama city": "PA", "canberra": "AU",
    "sydney": "AU", "melbourne": "AU", "wellington": "NZ", "auckland": "NZ",
    "jakarta": "ID", "kuala lumpur": "MY", "singapore": "SG", "bangkok": "TH",
    "hanoi": "VN", "ho chi minh city": "VN", "manila": "PH", "rangoon": "MM",
    "yangon": "MM", "naypyidaw": "MM", "phnom penh": "KH", "ulan bator": "MN",
    "ulaanbaatar": "MN",
    # well-known cities that are not capitals
    "new york": "US", "new york city": "US", "los angeles": "US", "chicago": "US",
    "san francisco": "US", "boston": "US", "houston": "US", "detroit": "US",
    "miami": "US", "seattle": "US", "atlanta": "US", "dallas": "US", "anchorage": "US",
    "hollywood": "US", "silicon valley": "US", "wall street": "US",
    "st petersburg": "RU", "st. petersburg": "RU", "saint petersburg": "RU",
    "vladivostok": "RU", "kharkiv": "UA", "odesa": "UA", "odessa": "UA", "lviv": "UA",
    "mariupol": "UA", "donetsk": "UA", "luhansk": "UA", "manchester": "GB",
    "birmingham": "GB", "liverpool": "GB", "glasgow": "GB", "edinburgh": "GB",
    "cardiff": "GB", "belfast": "GB", "frankfurt": "DE", "munich": "DE", "hamburg": "DE",
    "cologne": "DE", "milan": "IT", "naples": "IT", "turin": "IT", "venice": "IT",
    "barcelona": "ES", "seville": "ES", "marseille": "FR", "lyon": "FR", "geneva": "CH",
    "zurich": "CH", "davos": "CH", "rotterdam": "NL", "antwerp": "BE", "istanbul": "TR",
    "gdansk": "PL", "krakow": "PL", "shanghai": "CN", "shenzhen": "CN", "guangzhou": "CN",
    "wuhan": "CN", "osaka": "JP", "hiroshima": "JP", "mumbai": "IN", "bombay": "IN",
    "calcutta": "IN", "kolkata": "IN", "bangalore": "IN", "karachi": "PK", "lahore": "PK",
    "kandahar": "AF", "basra": "IQ", "mosul": "IQ", "fallujah": "IQ", "aleppo": "SY",
    "jeddah": "SA", "mecca": "SA", "alexandria": "EG", "benghazi": "LY",
    "casablanca": "MA", "rio": "BR",
}

# US states stand for the US; "Georgia" is left out because it is also a
# country, and the entity code decides it from context.
US_STATES = {s: "US" for s in (
    "alabama", "alaska", "arizona", "arkansas", "california", "colorado", "connecticut",
    "delaware", "florida", "hawaii", "idaho", "illinois", "indiana", "iowa", "kansas",
    "kentucky", "louisiana", "maine", "maryland", "massachusetts", "michigan", "minnesota",
    "mississippi", "missouri", "montana", "nebraska", "nevada", "new hampshire",
    "new jersey", "new mexico", "north carolina", "north dakota", "ohio", "oklahoma",
    "oregon", "pennsylvania", "rhode island", "south carolina", "south dakota", "tennessee",
    "texas", "utah", "vermont", "virginia", "west virginia", "wisconsin", "wyoming",
)}

# Regions that stand for their country: UK counties and nations' regions,
# Canadian provinces, Australian states, German Länder, Indian states.
REGIONS = {
    **{s: "GB" for s in (
        "surrey", "kent", "essex", "sussex", "east sussex", "west sussex", "yorkshire",
        "lancashire", "derbyshire", "nottinghamshire", "worcestershire", "warwickshire",
        "gloucestershire", "hampshire", "somerset", "leicestershire", "northamptonshire",
        "glamorgan", "middlesex", "cornwall", "devon", "norfolk", "suffolk", "cumbria",
        "lincolnshire", "cheshire", "staffordshire", "shropshire", "herefordshire",
        "oxfordshire", "berkshire", "buckinghamshire", "hertfordshire", "cambridgeshire",
        "northumberland", "dorset", "wiltshire", "merseyside", "tyneside", "ulster")},
    **{s: "CA" for s in (
        "ontario", "quebec", "british columbia", "alberta", "manitoba", "saskatchewan",
        "nova scotia", "new brunswick", "newfoundland")},
    **{s: "AU" for s in (
        "new south wales", "queensland", "victoria state", "tasmania", "western australia",
        "south australia")},
    **{s: "DE" for s in (
        "bavaria", "saxony", "hesse", "north rhine-westphalia", "baden-wuerttemberg",
        "lower saxony", "brandenburg", "thuringia")},
    **{s: "IN" for s in (
        "punjab", "kashmir", "rajasthan", "kerala", "tamil nadu", "uttar pradesh", "bihar",
        "gujarat", "maharashtra", "west bengal", "assam")},
}


@functools.lru_cache(maxsize=1)
def place_names() -> set[str]:
    names = {n.lower() for n in country_names().values()}
    for table in (ABBREVIATIONS, CITIES, US_STATES, REGIONS, SEATS, HISTORICAL):
        names.update(table)
    return names


@functools.lru_cache(maxsize=1)
def _exact_names() -> dict[str, str]:
    out = {n.lower(): c for c, n in country_names().items()}
    for table in (REGIONS, US_STATES, CITIES, ABBREVIATIONS, SEATS, HISTORICAL):
        out.update(table)
    return out


def exact_code(key: str) -> str | None:
    """The code for a place written exactly as the tables or a country's short name have it."""
    return _exact_names().get(place_key(key))


def is_known_place(text: str) -> bool:
    """Exact place names only: fuzzy country matching would call "Michael Jordan" Jordan."""
    return place_key(text) in place_names()


def is_place_word(text: str) -> bool:
    """A country, demonym or place from the tables here. Not the gazetteer's
    cities: thousands of surnames are also a city somewhere ("Bush", Egypt)."""
    return _code(text, "GPE", cities=False) is not None or text.lower() in DEMONYMS or \
        text.lower() in HISTORICAL


@functools.lru_cache(maxsize=50000)
def _coco(name: str) -> str | None:
    """The one country whose pattern matches the name, as country_converter would."""
    found = {code for pattern, code in name_patterns() if pattern.search(name)}
    return found.pop() if len(found) == 1 else None


def place_key(text: str) -> str:
    text = POSSESSIVE.sub("", text.strip())
    text = re.sub(r"^the\s+", "", text, flags=re.I)
    return re.sub(r"\s+", " ", text).lower()


# Words that make a place name the name of something else: a sea, a club, a
# newspaper or a company ("South China Sea", "Paris Club", "China Airlines").
NOT_THE_COUNTRY = {
    "sea", "ocean", "gulf", "strait", "straits", "river", "basin", "channel", "club", "morning",
    "post", "times", "herald", "journal", "tribune", "daily", "airlines", "airways", "ltd",
    "inc", "corp", "co", "plc", "group", "holdings", "fund", "exchange", "index", "cup", "open",
}


def country_code(text: str, label: str, date: dt.date | None = None) -> str | None:
    """ISO alpha-2 code for a place mention, or None. `label` is spaCy's;
    with the article's `date`, the code of the state as it was then."""
    return of_its_time(_code(text, label), date)


def _code(text: str, label: str, cities: bool = True) -> str | None:
    key = place_key(text)
    if not key:
        return None
    if key in SEATS or f"the {key}" in SEATS:
        return SEATS.get(key) or SEATS[f"the {key}"]
    if key in HISTORICAL and label in ("GPE", "LOC", "NORP", "ORG"):
        return HISTORICAL[key]
    if label == "NORP":
        return DEMONYMS.get(key)
    if label not in ("GPE", "LOC"):
        return None
    if any(w in NOT_THE_COUNTRY for w in key.split()[1:]):
        return None
    for table in (ABBREVIATIONS, CITIES, US_STATES, REGIONS):
        if key in table:
            return table[key]
    if len(key) < 4 or not key[0].isalpha():
        return None
    return _coco(text.strip()) or (_gazetteer(key) if cities else None)


BIG_CITY = 100_000  # a city this big is known by its name alone


def _gazetteer(key: str) -> str | None:
    from indexer import gazetteer

    if key in gazetteer.us_states():
        return "US"
    found = gazetteer.city(key)
    return found[0] if found and found[1] >= BIG_CITY else None
