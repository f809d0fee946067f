"""Place names the entity stage trusts, so that a place the small spaCy model calls a person or an
organisation, or misses, is put right.

Two tiers. The hand-written lists below are places so well known that a name equal to one of them is
always the place ("Poland" is never a person). ``data/places.tsv`` (GeoNames cities of 15,000+
people, countries and ISO 3166-2 subdivisions; rebuilt by ``tools/build_places.py``) is larger and
so more ambiguous ("Toyota" is also a city of 420,000): it relabels a span only when the span is
exactly the name, and adds a mention the model missed only for countries, regions and cities of
100,000 or more. Names are never split out of longer ones ("Innovation Norway" stays an organisation).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data" / "places.tsv"
MIN_POPULATION_TO_ADD = 100_000
# Companies and people far more often meant than the town of the same name. (Austin, Florence, Lima and
# Victoria were here too, but the hand lists below name them as places, which is how they are read.)
NOT_PLACES = frozenset({
    "Toyota", "Nokia", "Mercedes", "Bosch", "Siemens", "Phoenix", "Tesla", "Orange", "Jena", "Sharp", "Jackson",
    "Lincoln", "Hamilton", "Washington", "Franklin", "Marion", "Madison", "Kingston", "Nelson", "Wilson", "Clinton",
    "Charlotte", "Regina", "Elizabeth", "Santa", "Nike", "Bayer", "Dell", "Ford", "Amazon", "Apple", "Shell", "Total",
    "Enel", "Vale", "Cardiff University", "Salem",
})

COUNTRIES_AND_REGIONS = frozenset({
    'Netherlands',     'Afghanistan', 'Albania', 'Alberta', 'Algeria', 'Alsace', 'Andalusia', 'Andorra', 'Angola', 'Argentina',
    'Armenia', 'Asturias', 'Australia', 'Austria', 'Auvergne', 'Azerbaijan', 'Bahamas', 'Bahrain',
    'Bangladesh', 'Barbados', 'Basque Country', 'Bavaria', 'Belarus', 'Belgium', 'Belize', 'Benin', 'Bhutan',
    'Bohemia', 'Bolivia', 'Bosnia and Herzegovina', 'Botswana', 'Brazil', 'Brittany', 'Brunei', 'Bulgaria',
    'Burkina Faso', 'Burundi', 'California', 'Cambodia', 'Cameroon', 'Canada', 'Cantabria', 'Carinthia',
    'Castile', 'Catalonia', 'Chad', 'Chile', 'China', 'Colombia', 'Comoros', 'Congo', 'Corsica',
    'Costa Rica', 'Croatia', 'Cuba', 'Cyprus', 'Czech Republic', 'Czechia', 'Dalmatia', 'Denmark',
    'Djibouti', 'Dominica', 'Ecuador', 'Egypt', 'El Salvador', 'England', 'Eritrea', 'Estonia', 'Eswatini',
    'Ethiopia', 'Fiji', 'Finland', 'Flanders', 'France', 'Gabon', 'Galicia', 'Gambia', 'Georgia', 'Germany',
    'Ghana', 'Greece', 'Greenland', 'Grenada', 'Guatemala', 'Guinea', 'Guyana', 'Haiti', 'Honduras',
    'Hungary', 'Iceland', 'India', 'Indonesia', 'Iran', 'Iraq', 'Israel', 'Istria', 'Italy', 'Jamaica',
    'Japan', 'Jordan', 'Jutland', 'Karelia', 'Karnataka', 'Kazakhstan', 'Kenya', 'Kerala', 'Kiribati',
    'Korea', 'Kosovo', 'Kuwait', 'Kyrgyzstan', 'Laos', 'Lapland', 'Latvia', 'Lebanon', 'Lesotho', 'Liberia',
    'Libya', 'Liechtenstein', 'Lithuania', 'Lombardy', 'Luxembourg', 'Madagascar', 'Maharashtra', 'Malawi',
    'Malaysia', 'Maldives', 'Mali', 'Malta', 'Massachusetts', 'Mauritania', 'Mauritius', 'Mexico',
    'Michigan', 'Moldova', 'Monaco', 'Mongolia', 'Montenegro', 'Moravia', 'Morocco', 'Mozambique', 'Murcia',
    'Myanmar', 'Namibia', 'Navarre', 'Nepal', 'New Zealand', 'Nicaragua', 'Niger', 'Nigeria', 'Normandy',
    'North Macedonia', 'Northern Ireland', 'Norway', 'Occitanie', 'Ohio', 'Oman', 'Ontario', 'Pakistan',
    'Palestine', 'Panama', 'Paraguay', 'Peru', 'Philippines', 'Piedmont', 'Poland', 'Portugal', 'Provence',
    'Qatar', 'Quebec', 'Queensland', 'Québec', 'Romania', 'Russia', 'Rwanda', 'Samoa', 'San Marino',
    'Sardinia', 'Saudi Arabia', 'Saxony', 'Scotland', 'Senegal', 'Serbia', 'Seychelles', 'Sicily',
    'Sierra Leone', 'Silesia', 'Singapore', 'Skåne', 'Slovakia', 'Slovenia', 'Somalia', 'South Africa',
    'South Korea', 'Spain', 'Sri Lanka', 'Styria', 'Sudan', 'Suriname', 'Sweden', 'Switzerland', 'Syria',
    'Taiwan', 'Tajikistan', 'Tanzania', 'Texas', 'Thailand', 'Togo', 'Tonga', 'Transylvania', 'Trøndelag',
    'Tunisia', 'Turkey', 'Turkmenistan', 'Tuscany', 'Tyrol', 'Türkiye', 'Uganda', 'Ukraine',
    'United Arab Emirates', 'United Kingdom', 'United States', 'Uruguay', 'Uzbekistan', 'Valencia',
    'Vanuatu', 'Venezuela', 'Vestland', 'Victoria', 'Viet Nam', 'Vietnam', 'Wales', 'Wallonia', 'Yemen',
    'Zambia', 'Zimbabwe', 'the Netherlands',
})

# First-level regions by their English names, where ISO 3166-2 writes them in the local language
# ("Nordrhein-Westfalen", "Sichuan Sheng", "Dolnośląskie"), so the list built from it misses them.
ENGLISH_REGION_NAMES = frozenset({
    # Germany, Austria, the Low Countries
    'North Rhine-Westphalia', 'Lower Saxony', 'Rhineland-Palatinate', 'Saxony-Anhalt', 'Thuringia', 'Hesse',
    'Mecklenburg-Western Pomerania', 'Lower Austria', 'Upper Austria', 'North Holland', 'North Brabant', 'Friesland',
    'Brussels-Capital Region', 'Walloon Region', 'Flemish Region',
    # France, Italy, Spain
    'Occitania', 'Burgundy', "Provence-Alpes-Côte d'Azur", 'Apulia', 'Friuli-Venezia Giulia', 'Aosta Valley',
    'Trentino', 'South Tyrol', 'Valencian Community', 'Balearic Islands', 'Canary Islands', 'Castile and León',
    'Castile-La Mancha', 'Euskadi',
    # Central Europe and the Nordic countries
    'Lower Silesia', 'Upper Silesia', 'Greater Poland', 'Lesser Poland', 'Masovia', 'Pomerania', 'West Pomerania',
    'Podlasie', 'Subcarpathia', 'Warmia-Masuria', 'Lubusz', 'Kuyavia-Pomerania', 'Central Bohemia', 'South Moravia',
    'Moravia-Silesia', 'Scania', 'Ostrobothnia', 'Northern Ostrobothnia', 'North Karelia', 'Central Finland',
    'Southwest Finland', 'Åland', 'Central Denmark', 'Southern Denmark', 'North Denmark', 'Region Zealand',
    'Capital Region of Denmark',
    # China, Korea, South-East Asia
    'Sichuan', 'Guangdong', 'Jiangsu', 'Zhejiang', 'Shandong', 'Hubei', 'Hunan', 'Fujian', 'Anhui', 'Henan', 'Hebei',
    'Shaanxi', 'Shanxi', 'Yunnan', 'Guangxi', 'Guizhou', 'Gansu', 'Qinghai', 'Ningxia', 'Inner Mongolia', 'Xinjiang',
    'Tibet', 'Hainan', 'Liaoning', 'Heilongjiang', 'Gyeonggi', 'Gangwon', 'Jeju', 'Central Java', 'West Java',
    'East Java', 'Penang',
    # The Americas and Africa
    'Coahuila', 'Newfoundland', 'KwaZulu-Natal',
    # Autonomous island regions
    'Madeira', 'Azores',
})

CITIES = frozenset({
    'Aachen', 'Aarhus', 'Accra', 'Addis Ababa', 'Amsterdam', 'Ankara', 'Antofagasta', 'Antwerp', 'Athens',
    'Atlanta', 'Auckland', 'Austin', 'Baku', 'Bangalore', 'Bangkok', 'Barcelona', 'Beijing', 'Belgrade',
    'Bengaluru', 'Bergen', 'Berlin', 'Bern', 'Bilbao', 'Birmingham', 'Bogota', 'Bogotá', 'Bologna',
    'Bordeaux', 'Boston', 'Bratislava', 'Bremen', 'Bremerhaven', 'Brisbane', 'Brno', 'Brussels', 'Bucharest',
    'Budapest', 'Buenos Aires', 'Busan', 'Cairo', 'Cape Town', 'Cardiff', 'Casablanca', 'Chennai', 'Chicago',
    'Chisinau', 'Cologne', 'Copenhagen', 'Cork', 'Curitiba', 'Dakar', 'Detroit', 'Dnipro', 'Dresden',
    'Dublin', 'Durban', 'Düsseldorf', 'Edinburgh', 'Eindhoven', 'Espoo', 'Florence', 'Frankfurt', 'Galway',
    'Gdansk', 'Gdańsk', 'Geneva', 'Genoa', 'Ghent', 'Glasgow', 'Gothenburg', 'Graz', 'Grenoble',
    'Guadalajara', 'Hamburg', 'Hanoi', 'Hanover', 'Helsinki', 'Houston', 'Hyderabad', 'Istanbul', 'Izmir',
    'Jakarta', 'Johannesburg', 'Katowice', 'Kaunas', 'Kharkiv', 'Kiel', 'Kigali', 'Kisumu', 'Kolkata',
    'Krakow', 'Kraków', 'Kyiv', 'Kyoto', 'Lagos', 'Leeds', 'Leipzig', 'Leuven', 'Lille', 'Lima', 'Limerick',
    'Linz', 'Lisbon', 'Liverpool', 'Ljubljana', 'Lodz', 'London', 'Lund', 'Luxembourg', 'Lviv', 'Lyon',
    'Madrid', 'Malmö', 'Manchester', 'Manila', 'Marseille', 'Medellin', 'Medellín', 'Melbourne',
    'Mexico City', 'Milan', 'Minsk', 'Mombasa', 'Monterrey', 'Montreal', 'Montréal', 'Mumbai', 'Munich',
    'Nairobi', 'Nakuru', 'Nantes', 'Naples', 'New Delhi', 'Nice', 'Odesa', 'Osaka', 'Oslo', 'Ottawa', 'Oulu',
    'Oxford', 'Paris', 'Perth', 'Pittsburgh', 'Porto', 'Prague', 'Pune', 'Quito', 'Rabat', 'Reykjavik',
    'Riga', 'Rio de Janeiro', 'Rome', 'Rotterdam', 'Salzburg', 'Santiago', 'Sao Paulo', 'Sarajevo',
    'Seattle', 'Seoul', 'Sevilla', 'Seville', 'Shanghai', 'Shenzhen', 'Singapore', 'Skopje', 'Sofia',
    'Split', 'Stockholm', 'Strasbourg', 'Stuttgart', 'Sydney', 'São Paulo', 'Tallinn', 'Tampere', 'Tartu',
    'Tbilisi', 'Thessaloniki', 'Tirana', 'Tokyo', 'Toronto', 'Toulouse', 'Trondheim', 'Tunis', 'Turin',
    'Turku', 'Utrecht', 'Valletta', 'Valparaíso', 'Vancouver', 'Vienna', 'Vigo', 'Vilnius', 'Warsaw',
    'Wrocław', 'Yerevan', 'Zagreb', 'Zaragoza', 'Zurich', 'İzmir', 'Łódź',
})

# Parts of the world and of a country, seas, mountain ranges and rivers: places without a government (LOC).
# The UK's statistical regions and sub-regions are written in most reports on its clusters ("the Humber",
# "North East England") and are in no list of administrative areas.
UK_SUBREGIONS = frozenset({
    'North East England', 'North West England', 'South East England', 'South West England', 'East of England',
    'East Midlands', 'West Midlands', 'Midlands', 'Yorkshire and the Humber', 'Humber', 'Teesside',
    'Tees Valley', 'Tyneside', 'Wearside', 'Merseyside', 'Greater Manchester', 'Greater London', 'East Anglia',
    'Thames Valley', 'Black Country', 'North Wales', 'South Wales', 'Mid Wales', 'West Wales',
    'Highlands and Islands', 'Scottish Highlands', 'Central Belt',
})
WORLD_REGIONS = UK_SUBREGIONS | frozenset({
    'Aegean', 'Alps', 'Andes', 'Arctic', 'Atlantic', 'Balkans', 'Baltic Sea', 'Black Sea', 'Carpathians', 'Caribbean',
    'Caucasus', 'Central America', 'Central Asia', 'Central Europe', 'Danube', 'East Africa', 'East Asia',
    'Eastern Europe', 'Ganges', 'Great Lakes', 'Gulf of Mexico', 'Himalayas', 'Horn of Africa', 'Indian Ocean',
    'Latin America', 'Levant', 'Maghreb', 'Mediterranean', 'Mekong', 'Middle East', 'Nile', 'North Africa',
    'North America', 'North Sea', 'Northern Europe', 'Pacific', 'Patagonia', 'Persian Gulf', 'Pyrenees', 'Red Sea',
    'Nordics', 'Baltics', 'Rhine', 'Sahara', 'Sahel', 'Scandinavia', 'Siberia', 'South America', 'South Asia', 'Southeast Asia',
    'Southern Africa', 'Southern Europe', 'Sub-Saharan Africa', 'Volga', 'West Africa', 'Western Balkans',
    'Western Europe', 'Yangtze',
    # Islands and historic regions with no government of their own (an island's towns have one)
    'Sumatra', 'Borneo', 'Luzon', 'Mindanao', 'Visayas', 'Kyushu', 'Honshu', 'Rift Valley', 'Brabant',
    'Småland', 'Funen', 'Zealand', 'Mallorca', 'Majorca', 'Menorca', 'Tenerife', 'Gran Canaria', 'Lanzarote', 'Crete',
    'Samos', 'Lesbos', 'Poros', 'Bornholm', 'Shetland', 'Anglesey', 'Lombok', 'Gozo', 'Elba', 'Vancouver Island',
    'Cape Breton', 'Svalbard', 'Lofoten', 'Öland', 'Texel', 'Ameland', 'Sylt', 'Rügen', 'Heligoland', 'Helgoland',
})

KNOWN_PLACES = COUNTRIES_AND_REGIONS | ENGLISH_REGION_NAMES | CITIES | WORLD_REGIONS


@lru_cache(maxsize=1)
def gazetteer_places() -> dict[str, tuple[str, int]]:
    """name -> (kind, population) from data/places.tsv, without the names in NOT_PLACES."""
    places: dict[str, tuple[str, int]] = {}
    with _DATA.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            name, kind, population = line.rstrip("\n").split("\t")
            if name not in NOT_PLACES:
                places[name] = (kind, int(population))
    return places


def is_place(name: str) -> bool:
    """Exactly the name of a country, region or city, also with its hyphens written as spaces ("Grand Est"
    for "Grand-Est", as French regions often are in English)."""
    return (name in KNOWN_PLACES or name in gazetteer_places()
            or " " in name and "-" not in name and name.replace(" ", "-") in gazetteer_places())


def place_label(name: str) -> str:
    """LOC for parts of the world, seas, ranges and rivers; GPE for places with a government."""
    return "LOC" if name in WORLD_REGIONS else "GPE"


def may_add(name: str) -> bool:
    """A place safe to tag where the model saw nothing: curated, a country or region, or a big city."""
    if name in KNOWN_PLACES:
        return True
    kind, population = gazetteer_places().get(name, ("", 0))
    return kind in ("country", "continent", "region") or population >= MIN_POPULATION_TO_ADD


def addable_places() -> list[str]:
    """Every name :func:`may_add` accepts, sorted: the patterns of the place ruler."""
    return sorted(name for name in set(gazetteer_places()) | KNOWN_PLACES if may_add(name))
