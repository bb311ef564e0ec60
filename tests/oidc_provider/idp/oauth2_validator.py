"""The claims the provider asserts: standard OpenID Connect claims plus UAE PASS attributes."""

from oauth2_provider.oauth2_validators import OAuth2Validator

# The attributes UAE PASS returns from /idshub/userinfo (docs.uaepass.ae, "User Information").
UAEPASS_ATTRIBUTES = (
    "uuid", "idn", "email", "mobile", "userType", "gender", "profileType", "unifiedId", "spuuid",
    "firstnameAR", "lastnameAR", "fullnameAR", "firstnameEN", "lastnameEN", "fullnameEN",
    "nationalityAR", "nationalityEN", "titleAR", "titleEN", "homeAddressEmirateCode",
)


def person_claims(user) -> dict:
    person = getattr(user, "person", None)
    return dict(person.claims) if person else {}


def person_subject(user) -> str:
    person = getattr(user, "person", None)
    return person.subject if person else str(user.pk)


def uaepass_userinfo(user) -> dict:
    """A UAE PASS-shaped userinfo answer: only UAE PASS attribute names, sub as "UAEPASS/<uuid>"."""
    claims = {name: value for name, value in person_claims(user).items() if name in UAEPASS_ATTRIBUTES}
    claims["sub"] = f"UAEPASS/{claims['uuid']}" if claims.get("uuid") else person_subject(user)
    return claims


class ClaimsValidator(OAuth2Validator):
    # A claim is released only with the scope it is listed under; the UAE PASS
    # attributes ride on "profile", like a broker that passes them through.
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        **dict.fromkeys(UAEPASS_ATTRIBUTES, "profile"),
        "email": "email",
        "email_verified": "email",
    }

    def get_additional_claims(self, request):
        claims = person_claims(request.user)
        claims["sub"] = person_subject(request.user)
        return claims
