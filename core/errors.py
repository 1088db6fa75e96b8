"""Domain errors: each has a stable code, an HTTP status and a French and English title."""

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises; mapped to RFC 9457 problem+json in one place (api.problems)."""

    code = "error"
    status = 400
    title_en = "Request refused"
    title_fr = "Requête refusée"

    def __init__(self, detail_en: str, detail_fr: str | None = None, **extra: Any) -> None:
        super().__init__(detail_en)
        self.detail_en = detail_en
        self.detail_fr = detail_fr or detail_en
        self.extra = extra


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title_en = "Not found"
    title_fr = "Introuvable"


class OutsideTerritory(DomainError):
    code = "report.outside_territory"
    status = 422
    title_en = "Location outside the territory"
    title_fr = "Lieu hors du territoire"


class SwappedCoordinates(OutsideTerritory):
    code = "report.swapped_coordinates"
    title_en = "Latitude and longitude look swapped"
    title_fr = "Latitude et longitude semblent inversées"


class InvalidLocation(DomainError):
    code = "report.invalid_location"
    status = 422
    title_en = "Invalid location"
    title_fr = "Lieu invalide"


class UnknownCategory(DomainError):
    code = "report.unknown_category"
    status = 422
    title_en = "Unknown category"
    title_fr = "Catégorie inconnue"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title_en = "Conflict"
    title_fr = "Conflit"


class InvalidZoneFile(DomainError):
    code = "zones.invalid_file"
    status = 422
    title_en = "Invalid zone file"
    title_fr = "Fichier de zones invalide"


class InvalidAddressFile(DomainError):
    code = "addresses.invalid_file"
    status = 422
    title_en = "Invalid address file"
    title_fr = "Fichier d'adresses invalide"


class AddressNotFound(DomainError):
    code = "address.not_found"
    status = 422
    title_en = "Address not found"
    title_fr = "Adresse introuvable"


class GeocoderUnavailable(DomainError):
    code = "geocoder.unavailable"
    status = 503
    title_en = "Address search unavailable"
    title_fr = "Recherche d'adresse indisponible"


class Unauthenticated(DomainError):
    code = "auth.required"
    status = 401
    title_en = "Sign-in required"
    title_fr = "Connexion requise"


class Forbidden(DomainError):
    code = "auth.forbidden"
    status = 403
    title_en = "Not allowed"
    title_fr = "Non autorisé"


class StaleVersion(Conflict):
    """The ticket changed since the caller read it; `extra` says what changed so they can reconcile."""

    code = "ticket.stale_version"
    title_en = "The ticket changed in the meantime"
    title_fr = "Le ticket a changé entre-temps"


class InvalidTransition(DomainError):
    code = "ticket.invalid_transition"
    status = 409
    title_en = "Move not allowed"
    title_fr = "Changement d'état non permis"


class PhotoUnsupportedType(DomainError):
    code = "photo.unsupported_type"
    status = 415
    title_en = "Unsupported photo type"
    title_fr = "Type de photo non accepté"


class PhotoTooLarge(DomainError):
    code = "photo.too_large"
    status = 413
    title_en = "Photo too large"
    title_fr = "Photo trop volumineuse"


class StorageFull(DomainError):
    code = "photo.storage_full"
    status = 507
    title_en = "Photo storage full"
    title_fr = "Stockage des photos plein"


class PhotoTooManyPixels(DomainError):
    code = "photo.too_many_pixels"
    status = 422
    title_en = "Photo has too many pixels"
    title_fr = "Photo aux dimensions excessives"


class PhotosBusy(DomainError):
    code = "photo.busy"
    status = 503
    title_en = "Too many photos being processed"
    title_fr = "Trop de photos en cours de traitement"


class PhotoUnreadable(DomainError):
    code = "photo.unreadable"
    status = 422
    title_en = "Photo cannot be read"
    title_fr = "Photo illisible"


class TooManyPhotos(DomainError):
    code = "report.too_many_photos"
    status = 422
    title_en = "Too many photos"
    title_fr = "Trop de photos"


class MissingLocation(DomainError):
    code = "report.missing_location"
    status = 422
    title_en = "Location missing"
    title_fr = "Lieu manquant"


class IdempotencyKeyReused(DomainError):
    code = "idempotency.key_reused"
    status = 422
    title_en = "Idempotency-Key reused for a different request"
    title_fr = "Idempotency-Key déjà utilisée pour une autre requête"


class InvalidIdempotencyKey(DomainError):
    code = "idempotency.invalid_key"
    status = 400
    title_en = "Invalid Idempotency-Key"
    title_fr = "Idempotency-Key invalide"


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    title_en = "Too many requests"
    title_fr = "Trop de requêtes"


class InvalidContact(DomainError):
    code = "resident.invalid_contact"
    status = 422
    title_en = "Invalid contact details"
    title_fr = "Coordonnées invalides"


class InvalidToken(DomainError):
    code = "resident.invalid_token"
    status = 401
    title_en = "Invalid or expired link"
    title_fr = "Lien invalide ou expiré"


class InvalidMerge(DomainError):
    code = "report.invalid_merge"
    status = 422
    title_en = "These reports cannot be merged"
    title_fr = "Ces signalements ne peuvent pas être fusionnés"


class InvalidFilter(DomainError):
    code = "map.invalid_filter"
    status = 422
    title_en = "Invalid filter"
    title_fr = "Filtre invalide"


class InvalidRole(DomainError):
    code = "staff.invalid_role"
    status = 422
    title_en = "Unknown role"
    title_fr = "Rôle inconnu"


class InvalidScope(DomainError):
    code = "staff.invalid_scope"
    status = 422
    title_en = "Unknown service or commune"
    title_fr = "Service ou commune inconnu"


class WeakPassword(DomainError):
    code = "staff.weak_password"
    status = 422
    title_en = "Password too short"
    title_fr = "Mot de passe trop court"


class WrongPassword(DomainError):
    code = "staff.wrong_password"
    status = 403
    title_en = "Current password is wrong"
    title_fr = "Mot de passe actuel incorrect"


class PasswordCheckBusy(DomainError):
    code = "auth.busy"
    status = 503
    title_en = "Too many sign-ins at once"
    title_fr = "Trop de connexions simultanées"


class LoginThrottled(DomainError):
    code = "auth.throttled"
    status = 429
    title_en = "Too many failed sign-ins"
    title_fr = "Trop d'échecs de connexion"


class CrossSiteRequest(Forbidden):
    code = "auth.cross_site"
    title_en = "Request from another site"
    title_fr = "Requête venue d'un autre site"


class UnknownService(DomainError):
    code = "ticket.unknown_service"
    status = 422
    title_en = "Unknown service"
    title_fr = "Service inconnu"


class ReopenExpired(DomainError):
    code = "ticket.reopen_expired"
    status = 409
    title_en = "Too late to reopen"
    title_fr = "Trop tard pour rouvrir"


class InvalidOutcome(DomainError):
    code = "ticket.invalid_outcome"
    status = 422
    title_en = "Invalid outcome"
    title_fr = "Issue invalide"


class MissingOutcome(DomainError):
    code = "ticket.outcome_required"
    status = 422
    title_en = "Say how the ticket ended"
    title_fr = "Indiquez comment le ticket s'est terminé"


class InvalidSubscription(DomainError):
    code = "webhook.invalid_subscription"
    status = 422
    title_en = "Invalid webhook subscription"
    title_fr = "Abonnement webhook invalide"


class FeedbackNotOpen(DomainError):
    code = "ticket.feedback_not_open"
    status = 409
    title_en = "Feedback is for resolved reports"
    title_fr = "L'avis porte sur un signalement résolu"


class InvalidResidentLink(DomainError):
    code = "ticket.invalid_link"
    status = 403
    title_en = "This link is not valid"
    title_fr = "Ce lien n'est pas valide"


class AfterPhotoRequired(DomainError):
    code = "ticket.after_photo_required"
    status = 422
    title_en = "An after photo is needed"
    title_fr = "Une photo après intervention est nécessaire"


class NotYourTicket(Conflict):
    code = "ticket.not_yours"
    title_en = "You do not hold this ticket"
    title_fr = "Vous ne détenez pas ce ticket"


class TicketTaken(Conflict):
    code = "ticket.taken"
    title_en = "Another crew holds this ticket"
    title_fr = "Une autre équipe détient ce ticket"


class BodyTooLarge(DomainError):
    code = "request.too_large"
    status = 413
    title_en = "Request too large"
    title_fr = "Requête trop volumineuse"


class InvalidParameter(DomainError):
    code = "request.invalid_parameter"
    status = 400
    title_en = "Invalid query parameter"
    title_fr = "Paramètre de requête invalide"


class ExportTooLarge(DomainError):
    code = "export.too_large"
    status = 400
    title_en = "Export too large"
    title_fr = "Export trop volumineux"


class InvalidCharacters(DomainError):
    code = "request.invalid_characters"
    status = 400
    title_en = "Invalid characters"
    title_fr = "Caractères invalides"


class TooDeeplyNested(DomainError):
    code = "request.too_deep"
    status = 400
    title_en = "Body nested too deeply"
    title_fr = "Corps trop imbriqué"


class EmptyMessage(DomainError):
    code = "ticket.empty_message"
    status = 422
    title_en = "Write the message first"
    title_fr = "Écrivez d'abord le message"


class NoRecipient(DomainError):
    code = "ticket.no_recipient"
    status = 409
    title_en = "Nobody to write to"
    title_fr = "Personne à qui écrire"


class InvalidAdminInput(DomainError):
    """An administration form's value refused; `field` names the input, so the form can point at it."""

    code = "admin.invalid_input"
    status = 422
    title_en = "Value refused"
    title_fr = "Valeur refusée"
