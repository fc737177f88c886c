# METADATA
# scope: package
# title: A registration campaign should nudge users to a strong method
# description: >-
#   The authentication methods policy's registration campaign
#   (registrationEnforcement.authenticationMethodsRegistrationCampaign) should
#   be enabled with at least one include target, so that users who sign in
#   with SMS or voice are asked to register Microsoft Authenticator. "default"
#   (Microsoft-managed) does not count as enabled: Microsoft decides whom it
#   covers.
# custom:
#   id: AM-POL-07
#   severity: medium
#   scope: tenant
#   anchor: authenticationMethodsPolicy
#   remediation: >-
#     In Authentication methods > Registration campaign, set State to Enabled
#     for all users (exclude only accounts that cannot use Authenticator).
#   references:
#     - id: MS-ENTRA-REGISTRATION-CAMPAIGN
#       description: Microsoft Entra, run a registration campaign to set up Microsoft Authenticator
#       url: https://learn.microsoft.com/entra/identity/authentication/how-to-mfa-registration-campaign
#     - id: MS.AAD.3.5v1
#       description: >-
#         CISA SCuBA Microsoft Entra ID baseline MS.AAD.3.5v1: SMS, Voice Call and
#         Email OTP SHALL be disabled (the campaign moves their users off them first)
#       url: https://github.com/cisagov/ScubaGear/blob/main/PowerShell/ScubaGear/baselines/aad.md
package authgate.builtin.policy_registration_campaign

import data.authgate.lib

skip contains lib.policy_skip

campaign := lib.get(lib.get(lib.methods_policy, "registrationEnforcement", {}), "authenticationMethodsRegistrationCampaign", null)

violation contains v if {
	not lib.policy_skip
	not enabled
	v := {"message": sprintf("The registration campaign is %v, not enabled for anyone.", [state])}
}

state := lib.get(campaign, "state", null)

enabled if {
	lib.lc(state) == "enabled"
	count(lib.targets(campaign, "includeTargets")) > 0
}
