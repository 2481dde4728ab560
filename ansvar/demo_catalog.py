"""The demo municipality's nouns: its organisation, its systems and its people's names."""

from __future__ import annotations

#: forvaltning -> afdeling -> teams
ORGANISATION: dict[str, dict[str, list[str]]] = {
    "Borger- og Arbejdsmarkedsforvaltningen": {
        "Jobcenter": ["Jobcenter Ung", "Jobcenter Voksen"], "Ydelsescenter": ["Sygedagpenge"],
        "Borgerservice": ["Borgerservice Front"], "Integration": ["Integrationsteam"],
    },
    "Sundheds- og Omsorgsforvaltningen": {
        "Hjemmeplejen": ["Hjemmepleje Nord", "Hjemmepleje Syd"], "Sygeplejen": ["Sygepleje Akut"],
        "Plejecentre": ["Plejecenter Solgården"], "Træning og Rehabilitering": ["Genoptræning"],
    },
    "Børne- og Ungeforvaltningen": {
        "Skoler": ["Skole-IT"], "Dagtilbud": ["Dagpleje"], "Familieafdelingen": ["Myndighed Børn"], "PPR": ["PPR-team"],
    },
    "Teknik- og Miljøforvaltningen": {
        "Byggeri": ["Byggesag"], "Natur og Miljø": ["Miljøtilsyn"], "Vej og Park": ["Driftsgården"],
        "Ejendomme": ["Ejendomsdrift"],
    },
    "Kultur- og Fritidsforvaltningen": {
        "Biblioteker": ["Hovedbiblioteket"], "Musikskolen": ["Musikskolens administration"],
        "Fritid og Idræt": ["Haller og anlæg"],
    },
    "Social- og Handicapforvaltningen": {
        "Socialpsykiatri": ["Bostøtte"], "Myndighed Voksne": ["Visitation"], "Handicap": ["Botilbud"],
    },
    "Økonomi- og Digitaliseringsforvaltningen": {
        "IT og Digitalisering": ["IT-drift", "Informationssikkerhed"], "Økonomi": ["Regnskab"],
        "Løn og Personale": ["Lønteam"], "Indkøb": ["Udbud"],
    },
}
IT_TEAM = "IT-drift"

#: (name, vendor, criticality, personal data), placed in the named afdeling
CORE_SYSTEMS: dict[str, list[tuple[str, str, str, bool]]] = {
    "Jobcenter": [("Jobcentersystem (Momentum)", "Netcompany", "critical", True), ("Jobnet-integration", "STAR", "high", True)],
    "Ydelsescenter": [("Sygedagpengesystem", "KMD", "critical", True), ("Ydelsesrefusion", "KMD", "high", True)],
    "Borgerservice": [("Kø- og bookingsystem", "Frontdesk", "medium", True), ("Digital Post-klient", "Netcompany", "high", True)],
    "Hjemmeplejen": [("Omsorgssystem og kørelister", "Systematic", "critical", True), ("GPS-sporing af borgere med demens", "Sikom", "high", True)],
    "Sygeplejen": [("Telemedicinsk KOL-kuffert", "Medisat", "high", True), ("Medicinhåndtering (FMK)", "Sundhedsdatastyrelsen", "critical", True)],
    "Plejecentre": [("Velfærdsteknologi: skærmbesøg", "Netcompany", "medium", True), ("Nødkaldeanlæg", "Tunstall", "critical", True)],
    "Skoler": [("Skoleintra og forældreintra", "IST", "high", True), ("VR i undervisningen", "Lix Technologies", "low", False)],
    "Dagtilbud": [("Dagtilbudsportal", "IST", "medium", True), ("Pladsanvisning", "KMD", "high", True)],
    "Familieafdelingen": [("Børne- og ungesystem (DUBU)", "KMD", "critical", True)],
    "Byggeri": [("Byggesagssystem (BOM)", "Septima", "medium", False)],
    "Natur og Miljø": [("Droner til opmåling", "DJI / Sweco", "low", False), ("Miljøtilsynssystem", "Miljøstyrelsen", "medium", False)],
    "Vej og Park": [("Vintervedligeholdelse", "Vejman", "high", False)],
    "Ejendomme": [("GIS-platform", "Geodatastyrelsen", "medium", False), ("Ejendomsadministration", "Dalux", "medium", False)],
    "Biblioteker": [("Bibliotekssystem (Cicero)", "DBC", "medium", True)],
    "Myndighed Voksne": [("Voksenudredning (DHUV)", "Netcompany", "critical", True)],
    "IT og Digitalisering": [("Active Directory", "Microsoft", "critical", True), ("Sagsbehandlingssystem (ESDH)", "Netcompany", "critical", True), ("Kitos", "OS2", "low", False)],
    "Økonomi": [("Økonomisystem", "Fujitsu", "critical", False)],
    "Løn og Personale": [("Lønsystem", "KMD", "critical", True), ("Rekrutteringssystem", "Emply", "medium", True)],
    "Indkøb": [("E-handel", "Torvet", "medium", False)],
}

#: Templates "<kind> <afdeling>" that fill each afdeling up to its share of systems.
LOCAL_SYSTEMS: list[tuple[str, str, str, bool]] = [
    ("Vagtplan", "Planday", "medium", True), ("Booking af mødelokaler", "Lokalt udviklet", "low", False),
    ("Intranet-side", "Umbraco", "low", False), ("Spørgeskema-værktøj", "SurveyXact", "low", True),
    ("Lokal Access-database", "Lokalt udviklet", "medium", True), ("Sensorer", "IoT-leverandør", "low", False),
    ("Kvalitetsregistrering", "Lokalt udviklet", "medium", True), ("Dokumentskabeloner", "Skabelonhuset", "low", False),
    ("Tidsregistrering", "Visma", "medium", True), ("Venteliste", "Lokalt udviklet", "high", True),
    ("Hjemmeside-modul", "Umbraco", "low", False), ("Fagsystem-tilkøbsmodul", "KMD", "high", True),
    ("Ledelsesinformation", "Power BI", "medium", True), ("Elektronisk tavle", "Infoskærm", "low", False),
]
SYSTEMS_PER_AFDELING = 12

FIRST = [
    "Anne", "Mette", "Lars", "Jens", "Sofie", "Peter", "Hanne", "Søren", "Camilla", "Mads", "Line", "Henrik", "Birgitte",
    "Ole", "Rikke", "Thomas", "Karen", "Niels", "Lone", "Martin", "Ulla", "Frederik", "Dorthe", "Kim", "Helle", "Jesper",
    "Tina", "Anders", "Pia", "Rasmus", "Gitte", "Bo", "Susanne", "Morten", "Vibeke", "Ib", "Lise", "Torben", "Maja", "Emil",
]
LAST = [
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen", "Jørgensen",
    "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen", "Johansen", "Møller", "Mortensen", "Holm",
]
