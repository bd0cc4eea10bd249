/**
 * The instance environment clerk-js loads first (`GET /v1/environment`): a development instance
 * with email + password sign-in, valid against `Client.Environment` of Clerk's OpenAPI file (which
 * forbids unknown properties at every level, so nothing here is decorative). Fixtures change it
 * through their `environment` key, deep-merged over this default.
 */

import type { User } from './store.js'

export type EnvironmentJson = Record<string, unknown>

const attribute = (enabled: boolean, extra: Record<string, unknown> = {}) => ({
  enabled,
  required: false,
  used_for_first_factor: false,
  first_factors: [] as string[],
  used_for_second_factor: false,
  second_factors: [] as string[],
  verifications: [] as string[],
  verify_at_sign_up: false,
  immutable: false,
  ...extra,
})

/** A fresh copy of the default environment (callers may mutate it). */
export function defaultEnvironment(): EnvironmentJson {
  return {
    auth_config: {
      object: 'auth_config',
      id: 'aac_2mockAuthConfig000000000000',
      first_name: 'on',
      last_name: 'on',
      email_address: 'required',
      phone_number: 'off',
      username: 'on',
      password: 'required',
      identification_requirements: [['email_address'], ['username']],
      identification_strategies: ['email_address', 'username'],
      first_factors: ['email_code', 'password', 'reset_password_email_code'],
      second_factors: [],
      email_address_verification_strategies: ['email_code'],
      // The fixtures seed clients with several signed-in sessions, which only multi-session mode shows.
      single_session_mode: false,
      enhanced_email_deliverability: false,
      test_mode: true,
      url_based_session_syncing: true,
      claimed_at: null,
      reverification: true,
      native_settings: {
        object: 'native_settings',
        // clerk-js without a DOM talks to the mock like a native app (`_is_native=1`).
        api_enabled: true,
        trusted_device_sign_in_enabled: false,
        trusted_device_enrollment_prompt_after_sign_in_enabled: false,
        trusted_device_enrollment_prompt_after_sign_up_enabled: false,
      },
    },
    display_config: {
      object: 'display_config',
      id: 'display_config_2mockDisplayConfig0000000',
      instance_environment_type: 'development',
      application_name: 'clerk-fapi-mock',
      theme: {},
      preferred_sign_in_strategy: 'password',
      logo_image_url: null,
      favicon_image_url: null,
      logo_url: null,
      favicon_url: null,
      logo_image: null,
      favicon_image: null,
      home_url: '/',
      sign_in_url: '/sign-in',
      sign_up_url: '/sign-up',
      user_profile_url: '/user',
      waitlist_url: '/waitlist',
      oauth_consent_url: '/oauth-consent',
      after_sign_in_url: '/',
      after_sign_up_url: '/',
      after_sign_out_one_url: '/',
      after_sign_out_all_url: '/',
      after_switch_session_url: '/',
      after_join_waitlist_url: '/',
      organization_profile_url: '/organization',
      create_organization_url: '/create-organization',
      after_leave_organization_url: '/',
      after_create_organization_url: '/',
      logo_link_url: '/',
      support_email: null,
      branded: false,
      experimental_force_oauth_first: false,
      clerk_js_version: null,
      show_devmode_warning: false,
      google_one_tap_client_id: null,
      help_url: null,
      privacy_policy_url: null,
      terms_url: null,
      captcha_public_key: null,
      captcha_widget_type: null,
      captcha_public_key_invisible: null,
      captcha_provider: null,
      captcha_oauth_bypass: [],
      captcha_heartbeat: false,
    },
    user_settings: {
      attributes: {
        email_address: attribute(true, {
          required: true,
          used_for_first_factor: true,
          first_factors: ['email_code'],
          verifications: ['email_code'],
          verify_at_sign_up: true,
        }),
        phone_number: attribute(false),
        username: attribute(true, { used_for_first_factor: true, first_factors: ['password'] }),
        web3_wallet: attribute(false),
        first_name: attribute(true),
        last_name: attribute(true),
        password: attribute(true, { required: true }),
        authenticator_app: attribute(false),
        ticket: attribute(true),
        backup_code: attribute(false),
        passkey: attribute(false),
      },
      social: {},
      saml: { enabled: false },
      enterprise_sso: { enabled: false },
      sign_in: { second_factor: { required: false } },
      sign_up: {
        captcha_enabled: false,
        captcha_widget_type: 'smart',
        custom_action_required: false,
        progressive: true,
        mode: 'public',
        legal_consent_enabled: false,
      },
      restrictions: {
        allowlist: { enabled: false },
        blocklist: { enabled: false },
        allowlist_blocklist_disabled_on_sign_in: { enabled: false },
        block_email_subaddresses: { enabled: false },
        block_disposable_email_domains: { enabled: false },
      },
      password_settings: {
        disable_hibp: true,
        disable_password_reverification: false,
        min_length: 8,
        max_length: 72,
        require_special_char: false,
        require_numbers: false,
        require_uppercase: false,
        require_lowercase: false,
        show_zxcvbn: false,
        min_zxcvbn_strength: 0,
        enforce_hibp_on_sign_in: false,
        allowed_special_characters: '!"#$%&\'()*+,-./:;<=>?@[]^_`{|}~',
      },
      username_settings: { min_length: 4, max_length: 64, allow_extended_special_characters: false, allow_numeric_usernames: false },
      actions: { delete_self: true, create_organization: true, create_organizations_limit: null },
      attack_protection: {
        user_lockout: { enabled: false, max_attempts: 100, duration_in_minutes: 60 },
        pii: { enabled: false },
        email_link: { require_same_client: false },
        enumeration_protection: { enabled: false },
      },
      passkey_settings: { allow_autofill: true, show_sign_in_button: true, satisfies_second_factor: true },
    },
    organization_settings: {
      // On whatever the fixture seeds: organizations can be created at run time (Backend API, control
      // API, clerk-js), and clerk-js hides <OrganizationSwitcher/> and every organization call when off.
      enabled: true,
      max_allowed_memberships: 5,
      actions: { admin_delete: true },
      domains: { enabled: false, enrollment_modes: [], default_role: 'org:member' },
      slug: { disabled: false },
      creator_role: 'org:admin',
    },
    fraud_settings: { object: 'fraud_settings', native: { device_attestation_mode: 'disabled' } },
    commerce_settings: {
      billing: {
        stripe_publishable_key: null,
        free_trial_requires_payment_method: false,
        user: { enabled: false, has_paid_plans: false },
        organization: { enabled: false, has_paid_plans: false },
      },
    },
    api_keys_settings: { enabled: false, user_api_keys_enabled: false, orgs_api_keys_enabled: false },
    protect_config: { loaders: [] },
    client_debug_mode: false,
    partitioned_cookies: false,
    maintenance_mode: false,
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * `overrides` merged over `base`: objects merge key by key, anything else (arrays, null, scalars)
 * replaces. Neither input is modified.
 */
export function deepMerge(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(overrides)) {
    const current = out[key]
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : structuredClone(value)
  }
  return out
}

/** What the seeded users need from the instance: a phone number, an authenticator app, backup codes, an SMS second factor. */
export interface UsersNeed {
  phoneNumbers: boolean
  totp: boolean
  backupCodes: boolean
  smsSecondFactor: boolean
}

export function usersNeed(users: readonly Pick<User, 'phoneNumbers' | 'totpSecret' | 'backupCodes'>[]): UsersNeed {
  return {
    phoneNumbers: users.some((u) => u.phoneNumbers.length > 0),
    totp: users.some((u) => u.totpSecret !== null),
    backupCodes: users.some((u) => u.backupCodes.length > 0),
    smsSecondFactor: users.some((u) => u.phoneNumbers.some((p) => p.secondFactor)),
  }
}

/**
 * The environment an instance serves: the default, then what the seeded users need switched on
 * (a user with a phone number turns phone numbers on as an optional identifier with `phone_code`;
 * a TOTP secret turns the authenticator app on, backup codes the backup code, an SMS second factor
 * the phone's second factor), then the fixture's own overrides, which win. So the prebuilt UI shows
 * the factors the fixture's users can use, and the mock accepts what the environment says.
 */
export function environmentJson(overrides: Record<string, unknown> = {}, need?: UsersNeed): EnvironmentJson {
  const base = defaultEnvironment()
  if (need !== undefined) enable(base, need)
  return deepMerge(base, overrides)
}

function enable(env: EnvironmentJson, need: UsersNeed): void {
  const auth = env.auth_config as Record<string, unknown> & { identification_strategies: string[]; first_factors: string[]; second_factors: string[] }
  const attributes = (env.user_settings as { attributes: Record<string, Record<string, unknown>> }).attributes
  const add = (list: string[], item: string) => {
    if (!list.includes(item)) list.push(item)
  }
  if (need.phoneNumbers || need.smsSecondFactor) {
    auth.phone_number = 'on'
    add(auth.identification_strategies, 'phone_number')
    add(auth.first_factors, 'phone_code')
    add(auth.first_factors, 'reset_password_phone_code')
    Object.assign(attributes.phone_number, { enabled: true, used_for_first_factor: true, first_factors: ['phone_code'], verifications: ['phone_code'] })
  }
  if (need.smsSecondFactor) {
    add(auth.second_factors, 'phone_code')
    Object.assign(attributes.phone_number, { used_for_second_factor: true, second_factors: ['phone_code'] })
  }
  if (need.totp) {
    add(auth.second_factors, 'totp')
    Object.assign(attributes.authenticator_app, { enabled: true, used_for_second_factor: true, second_factors: ['totp'] })
  }
  if (need.backupCodes) {
    add(auth.second_factors, 'backup_code')
    Object.assign(attributes.backup_code, { enabled: true, used_for_second_factor: true, second_factors: ['backup_code'] })
  }
}

/** The part of an environment the sign-in and sign-up flows obey, read once from its JSON. */
export interface InstanceAuth {
  singleSession: boolean
  /** First factors the instance allows (`password`, `email_code`, `phone_code`, `reset_password_*`). */
  firstFactors: Set<string>
  /** Second factors the instance allows (`totp`, `phone_code`, `backup_code`). */
  secondFactors: Set<string>
  identifiers: Set<string>
  /** Sign-up attributes (`email_address`, `phone_number`, `username`, `first_name`, `last_name`, `password`, `legal_accepted`) enabled, required, verified at sign-up. */
  signUp: { enabled: string[]; required: string[]; verifyAtSignUp: string[] }
  passwordMin: number
  passwordMax: number
}

export function instanceAuth(env: EnvironmentJson): InstanceAuth {
  const auth = (env.auth_config ?? {}) as Record<string, unknown>
  const settings = (env.user_settings ?? {}) as Record<string, unknown>
  const attributes = (settings.attributes ?? {}) as Record<string, Record<string, unknown> | undefined>
  const on = (name: string) => attributes[name]?.enabled === true
  const list = (name: string, key: string) => (Array.isArray(attributes[name]?.[key]) ? (attributes[name]![key] as unknown[]).filter((x): x is string => typeof x === 'string') : [])
  const firstFactors = new Set<string>()
  const secondFactors = new Set<string>()
  for (const [name, attr] of Object.entries(attributes)) {
    if (attr?.enabled !== true) continue
    if (attr.used_for_first_factor === true) for (const f of list(name, 'first_factors')) firstFactors.add(f)
    if (attr.used_for_second_factor === true) for (const f of list(name, 'second_factors')) secondFactors.add(f)
  }
  if (on('password')) {
    firstFactors.add('password')
    if (on('email_address')) firstFactors.add('reset_password_email_code')
    if (on('phone_number')) firstFactors.add('reset_password_phone_code')
  }
  const signUpFields = ['email_address', 'phone_number', 'username', 'first_name', 'last_name', 'password']
  const enabled = signUpFields.filter(on)
  const legal = ((settings.sign_up ?? {}) as Record<string, unknown>).legal_consent_enabled === true
  const passwords = (settings.password_settings ?? {}) as Record<string, unknown>
  return {
    singleSession: auth.single_session_mode === true,
    firstFactors,
    secondFactors,
    identifiers: new Set(Array.isArray(auth.identification_strategies) ? (auth.identification_strategies as string[]) : []),
    signUp: {
      enabled: legal ? [...enabled, 'legal_accepted'] : enabled,
      required: [...enabled.filter((n) => attributes[n]?.required === true), ...(legal ? ['legal_accepted'] : [])],
      verifyAtSignUp: enabled.filter((n) => attributes[n]?.verify_at_sign_up === true),
    },
    passwordMin: typeof passwords.min_length === 'number' ? passwords.min_length : 8,
    passwordMax: typeof passwords.max_length === 'number' ? passwords.max_length : 72,
  }
}
