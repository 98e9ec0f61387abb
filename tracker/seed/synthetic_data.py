"""The words the synthetic history is made of: made-up organisations, people, course plans.

Plain data, no database. Every name is invented; organisations and programmes carry
`MARK` in their bokmål name and everyone's e-mail is at `EMAIL_DOMAIN`, so synthetic data can
always be told from real data (`tracker.seed.synthetic.holds_real_data`).
"""
from typing import NamedTuple

# The largest --scale: 50 is 2,000 cohorts and about 2 million attendance marks, well past
# what any page must carry; beyond it a typo (10**9) would run for days.
SCALE_MAX = 50

# What every synthetic organisation's and programme's name ends with.
MARK = " (syntetisk)"
MARK_EN = " (synthetic)"
# Everyone the generator makes, people and accounts alike, has an address here.
EMAIL_DOMAIN = "syntetisk.example.org"

# (bokmål stem, English word): combined into ministry and agency names.
AREAS: tuple[tuple[str, str], ...] = (
    ("Kyst", "Coastal"), ("Skog", "Forestry"), ("Fjell", "Mountain"), ("Vei", "Roads"),
    ("Havn", "Harbour"), ("Bro", "Bridges"), ("Vann", "Water"), ("Luft", "Air"),
    ("Jord", "Soil"), ("Mat", "Food"), ("Folkehelse", "Public Health"), ("Skole", "Schools"),
    ("Kultur", "Culture"), ("Idrett", "Sport"), ("Arkiv", "Archives"), ("Statistikk", "Statistics"),
    ("Beredskap", "Preparedness"), ("Digitaliserings", "Digitalisation"), ("Klima", "Climate"),
    ("Energi", "Energy"), ("Trafikk", "Traffic"), ("Bolig", "Housing"), ("Toll", "Customs"),
    ("Skatte", "Tax"), ("Kart", "Mapping"), ("Fiskeri", "Fisheries"), ("Reindrift", "Reindeer"),
    ("Museums", "Museums"), ("Språk", "Language"), ("Forsknings", "Research"),
    ("Likestillings", "Equality"), ("Integrerings", "Integration"), ("Værvarslings", "Weather"),
    ("Skred", "Landslide"), ("Sjøfarts", "Maritime"), ("Post", "Postal"), ("Jernbane", "Railway"),
    ("Luftfarts", "Aviation"), ("Grense", "Border"), ("Innkjøps", "Procurement"),
    ("Lønns", "Payroll"), ("Eiendoms", "Estates"), ("Barnehage", "Kindergarten"),
    ("Pensjons", "Pensions"), ("Tannhelse", "Dental Health"), ("Legemiddel", "Medicines"),
    ("Stråle", "Radiation"), ("Havforsknings", "Marine Research"), ("Geologi", "Geology"),
    ("Friluftslivs", "Outdoor Life"),
)
# (bokmål pattern, English pattern, short-name suffix)
MINISTRY_NAMES = (("{}departementet", "Ministry of {}", "D"),)
AGENCY_NAMES = (
    ("{}direktoratet", "Directorate of {}", "dir"),
    ("{}tilsynet", "{} Authority", "T"),
    ("Statens {}verk", "State {} Service", "SV"),
    ("{}etaten", "{} Agency", "E"),
    ("{}senteret", "{} Centre", "S"),
)
# Where the pattern runs out: the same body in another region.
REGIONS = ("", " Nord", " Sør", " Øst", " Vest", " Midt", " Innlandet", " Agder", " Troms")

# The body that runs the synthetic programmes: also the first thing the generator makes.
RESPONSIBLE = ("Direktoratet for ledelsesutvikling", "Directorate for Leadership Development",
               "DfL")

GIVEN_NAMES = (
    "Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Anders", "Marit", "Erik", "Hilde", "Bjørn",
    "Tone", "Per", "Liv", "Knut", "Randi", "Håkon", "Silje", "Geir", "Nina", "Trond",
    "Ane", "Morten", "Ragnhild", "Espen", "Guro", "Stian", "Åse", "Jon", "Mona", "Eirik",
    "Solveig", "Vegard", "Kristin", "Thomas", "Marte", "Jonas", "Hanne", "Sindre", "Tuva",
    "Magnus", "Ida", "Petter", "Line", "Øyvind", "Camilla", "Arne", "Berit", "Sander",
)
# Surnames that say plainly nobody real is meant.
SURNAMES = (
    "Syntesen", "Genererud", "Tilfeldigstad", "Fiktivdal", "Simulasjonsvik", "Modellbakken",
    "Prøvesen", "Eksempelsen", "Skissebakken", "Utkastvik", "Plassholdersen", "Testrud",
    "Demoli", "Kunstigsæter", "Oppdiktnes", "Konstruertvold",
)
TOP_LEADER_TITLES = ("Departementsråd", "Direktør", "Etatsdirektør")
MIDDLE_LEADER_TITLE = "Avdelingsdirektør"
MEMBER_TITLES = ("Avdelingsdirektør", "Seksjonssjef", "Ekspedisjonssjef", "Kommunikasjonsdirektør",
                 "Økonomidirektør", "HR-direktør", "Assisterende direktør", "Fagdirektør")
MIDDLE_MEMBER_TITLES = ("Seksjonssjef", "Kontorsjef", "Underdirektør", "Teamleder",
                        "Fagleder", "Enhetsleder")
CONTACT_TITLE = "Seniorrådgiver"


class ModulePlan(NamedTuple):
    name_nb: str
    name_nn: str
    name_en: str
    kind: str  # a ModuleKind value
    is_joint: bool
    offset_weeks: int
    duration_days: int
    hours_per_day: int


def _middle_manager_plan() -> tuple[ModulePlan, ...]:
    """The second programme's plan: a shorter rhythm, a gathering every sixth week and coaching
    in the group every other week between them, over ten months."""
    plan = [ModulePlan("Oppstart og førkartlegging", "Oppstart og førekartlegging",
                       "Start and baseline assessment", "assessment", False, 0, 1, 3)]
    gathering, coaching = 0, 0
    for week in range(2, 40, 2):
        if week % 6 == 2:
            gathering += 1
            plan.append(ModulePlan(f"Samling {gathering}", f"Samling {gathering}",
                                   f"Gathering {gathering}", "joint_gathering", True, week, 1, 6))
        else:
            coaching += 1
            plan.append(ModulePlan(f"Veiledning i gruppen {coaching}",
                                   f"Rettleiing i gruppa {coaching}",
                                   f"Coaching in the group {coaching}", "group_work", False,
                                   week, 1, 3))
    plan.append(ModulePlan("Sluttkartlegging", "Sluttkartlegging", "Final assessment",
                           "assessment", False, 41, 1, 3))
    plan.append(ModulePlan("Avslutning", "Avslutning", "Closing", "evaluation", True, 43, 1, 5))
    return tuple(plan)


MIDDLE_MANAGER_PLAN = _middle_manager_plan()


class ProgrammeShape(NamedTuple):
    key: str
    name_nb: str
    name_en: str
    description_nb: str
    description_en: str
    # Expected members (top leader and members) of a group, and whether it has a contact.
    group_size: int
    instrument_name: tuple[str, str, str]
    # The instrument's factors kept, by part code: None keeps the demo instrument whole.
    instrument_factors: dict[str, int] | None
    code_prefix: str


TOP_MANAGEMENT = ProgrammeShape(
    "top", "Program for toppledergrupper", "Programme for top-management groups",
    "Syntetiske data: et generert program i samme form som det virkelige, med fire "
    "ledergrupper i hvert kull i ti måneder.",
    "Synthetic data: a generated programme shaped like the real one, four leadership groups "
    "a cohort over ten months.",
    10, ("Gruppeeffektivitet", "Gruppeeffektivitet", "Group effectiveness"), None, "")
MIDDLE_MANAGEMENT = ProgrammeShape(
    "middle", "Lederprogram for mellomledere", "Leadership programme for middle managers",
    "Syntetiske data: et generert program for mellomledergrupper, med samlinger hver "
    "sjette uke og veiledning i gruppen mellom dem.",
    "Synthetic data: a generated programme for middle-management groups, with a gathering "
    "every sixth week and coaching in the group between them.",
    18, ("Mellomlederundersøkelsen", "Mellomleiarundersøkinga", "Middle-manager survey"),
    {"FOR": 3, "PRO": 5, "RES": 3}, "ML-")

# The second programme's dimensions: its own, fewer than the first's.
MIDDLE_DIMENSIONS: tuple[tuple[str, str, str], ...] = (
    ("Retning for enheten", "Retning for eininga", "Direction for the unit"),
    ("Delegering", "Delegering", "Delegation"),
    ("Samarbeid på tvers", "Samarbeid på tvers", "Working across units"),
    ("Oppfølging av medarbeidere", "Oppfølging av medarbeidarar", "Following up staff"),
    ("Endringsledelse", "Endringsleiing", "Leading change"),
    ("Egen læring", "Eiga læring", "Own learning"),
)

OPEN_TEXTS = (
    "Vi har blitt flinkere til å forberede møtene.",
    "Mer tid til strategiske saker, mindre til drift.",
    "Vi må bli bedre på å følge opp det vi bestemmer.",
    "God stemning, men vi unngår de vanskelige samtalene.",
    "Samlingene ga oss et felles språk.",
    "Rollene i gruppen er tydeligere enn før.",
    "Vi trenger mer tid til refleksjon.",
    "Veiledningen mellom samlingene var nyttig.",
)
