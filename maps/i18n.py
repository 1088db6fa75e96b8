"""French and English texts of the map pages, and the choice of language for a visitor."""

LANGS = ("fr", "en")

TEXT: dict[str, tuple[str, str]] = {
    "site": ("Rue Commune", "Rue Commune"),
    "nav.map": ("Carte", "Map"),
    "nav.list": ("Liste", "List"),
    "nav.dashboard": ("Tableau de bord", "Dashboard"),
    "map.title": ("Carte des signalements", "Map of reports"),
    "list.title": ("Liste des signalements", "List of reports"),
    "list.intro": ("Les mêmes signalements que sur la carte, sous forme de tableau.",
                   "The same reports as on the map, as a table."),
    "dashboard.title": ("Tableau de bord des élus", "Officials' dashboard"),
    "filters": ("Filtres", "Filters"),
    "filter.category": ("Catégorie", "Category"),
    "filter.state": ("État", "State"),
    "filter.commune": ("Commune ou arrondissement", "Commune or district"),
    "filter.since": ("Depuis le", "From"),
    "filter.until": ("Jusqu'au", "Until"),
    "filter.all": ("Toutes", "All"),
    "filter.apply": ("Filtrer", "Apply"),
    "filter.reset": ("Effacer les filtres", "Clear filters"),
    "col.ref": ("Référence", "Reference"),
    "col.category": ("Catégorie", "Category"),
    "col.state": ("État", "State"),
    "col.commune": ("Commune", "Commune"),
    "col.address": ("Adresse", "Address"),
    "col.description": ("Description", "Description"),
    "col.created": ("Signalé le", "Reported on"),
    "col.due": ("Échéance", "Due date"),
    "col.resolved": ("Résolu le", "Resolved on"),
    "next": ("Page suivante", "Next page"),
    "first": ("Première page", "First page"),
    "none": ("Aucun signalement ne correspond à ces filtres.", "No report matches these filters."),
    "view": ("Voir le suivi", "View tracking page"),
    "shown": ("signalements affichés", "reports shown"),
    "loading": ("Chargement…", "Loading…"),
    "truncated": ("Seuls les plus récents sont affichés : affinez les filtres.",
                  "Only the most recent are shown: narrow the filters."),
    "truncated_view": ("Seuls les plus récents de cette zone sont affichés : zoomez ou affinez les filtres.",
                       "Only the most recent in this area are shown: zoom in or narrow the filters."),
    "load_error": ("Les signalements n'ont pas pu être chargés.", "Reports could not be loaded."),
    "text_alternative": ("Version texte de la carte (liste accessible)", "Text version of the map (accessible list)"),
    "noscript": ("La carte demande JavaScript ; la liste des signalements fonctionne sans.",
                 "The map needs JavaScript; the list of reports works without it."),
    "tiles_off": ("Fond de carte désactivé : seuls les contours des communes sont dessinés.",
                  "Basemap turned off: only the commune outlines are drawn."),
    "resolved_note": ("Les signalements résolus ou clos restent visibles 30 jours ; les signalements rejetés "
                      "ne sont pas affichés.",
                      "Resolved or closed reports stay visible for 30 days; rejected reports are not shown."),
    "export": ("Exporter", "Export"),
    "dash.reports": ("Signalements", "Reports"),
    "dash.open": ("En cours", "Open"),
    "dash.resolved": ("Résolus", "Resolved"),
    "dash.overdue": ("En retard", "Overdue"),
    "dash.median": ("Délai médian de résolution", "Median time to resolution"),
    "dash.days": ("jours", "days"),
    "dash.on_time": ("Résolus dans les délais", "Resolved within the deadline"),
    "dash.channels": ("Canaux de signalement", "Channels"),
    "dash.timeseries": ("Signalements par mois", "Reports per month"),
    "dash.month": ("Mois", "Month"),
    "dash.created": ("Déposés", "Filed"),
    "dash.communes": ("Signalements pour 1 000 habitants, par commune", "Reports per 1,000 inhabitants, by commune"),
    "dash.population": ("Population", "Population"),
    "dash.per_1000": ("Pour 1 000 hab.", "Per 1,000 inh."),
    "dash.heatmap": ("Concentration des signalements (grille de 250 m)", "Where reports concentrate (250 m grid)"),
    "dash.choropleth": ("Signalements pour 1 000 habitants", "Reports per 1,000 inhabitants"),
    "dash.channel": ("Canal", "Channel"),
    "dash.share": ("Part", "Share"),
    "dash.no_data": ("pas encore de données", "no data yet"),
    "channel.app": ("Application", "App"), "channel.web": ("Site web", "Website"),
    "channel.phone": ("Téléphone", "Phone"), "channel.counter": ("Accueil", "Counter"),
    "channel.email": ("Courriel", "Email"), "channel.commune_office": ("Mairie", "Commune office"),
    "channel.open311": ("Open311", "Open311"),
    "lang.other": ("English", "Français"),
    "signin.intro": ("Le tableau de bord est réservé aux élus et aux agents : connectez-vous.",
                     "The dashboard is for elected officials and staff: sign in."),
    "signin.team_intro": ("Cette page est réservée aux encadrants des services : connectez-vous.",
                          "This page is for service supervisors: sign in."),
    "team.title": ("Tickets des équipes", "Crews' tickets"),
    "team.intro": ("Les tickets ouverts de votre service, détenus par une équipe ou non attribués (rendus avec "
                   "leur motif) ; attribuez-les ici.",
                   "Your service's open tickets, held by a crew or unclaimed (handed back with their reason); "
                   "give them to a crew here."),
    "team.forbidden": ("Cette page est réservée aux encadrants d'un service (rôle service_staff) et aux "
                       "administrateurs ; votre compte a le rôle « {role} ».",
                       "This page is for service supervisors (role service_staff) and administrators; your "
                       "account has the role '{role}'."),
    "team.legend": ("Équipes", "Crews"),
    "team.table": ("Tickets ouverts du service", "The service's open tickets"),
    "team.crew": ("Équipe", "Crew"),
    "team.reassign": ("Réattribuer", "Reassign"),
    "team.reassign_to": ("Confier le ticket {ref} à", "Give ticket {ref} to"),
    "team.done": ("Ticket {ref} confié à {crew}.", "Ticket {ref} given to {crew}."),
    "team.refused": ("Réattribution du ticket {ref} refusée : {detail}",
                     "Reassigning ticket {ref} was refused: {detail}"),
    "team.stale": ("La liste a été mise à jour ; vérifiez le ticket avant de réessayer.",
                   "The list has been refreshed; check the ticket before trying again."),
    "team.none": ("Aucun ticket ouvert dans votre service.", "No open ticket in your service."),
    "team.count": ("tickets ouverts", "open tickets"),
    "team.load_error": ("Les tickets n'ont pas pu être chargés.", "The tickets could not be loaded."),
    "team.no_other": ("aucune autre équipe", "no other crew"),
    "team.unclaimed": ("Non attribué", "Unclaimed"),
    "team.handed_back": ("Rendu par {by} le {at} : {reason}", "Handed back by {by} on {at}: {reason}"),
    "signin.expired": ("Le formulaire de connexion a expiré ou vient d'un autre site : reconnectez-vous ici.",
                       "The sign-in form expired or came from another site: sign in here again."),
    "signin.email": ("Adresse électronique", "Email"),
    "signin.password": ("Mot de passe", "Password"),
    "signin.submit": ("Se connecter", "Sign in"),
}


def t(lang: str, key: str) -> str:
    """The text for `key` in `lang` (French or English)."""
    fr, en = TEXT[key]
    return fr if lang == "fr" else en


def negotiate(*, explicit: str | None = None, cookie: str | None = None, accept_language: str | None = None) -> str:
    """A visitor's language: the switch they clicked, then their saved choice, then their browser, then French."""
    for choice in (explicit, cookie):
        if choice is not None and choice in LANGS:
            return choice
    ranked: list[tuple[float, str]] = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.split("-")[0].lower()
        if primary in LANGS:
            ranked.append((quality, primary))
    return max(ranked, key=lambda r: r[0])[1] if ranked else "fr"
