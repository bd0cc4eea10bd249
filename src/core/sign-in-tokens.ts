/**
 * Sign-in tokens (`POST /v1/sign_in_tokens` on the Backend API): a one-time ticket for a user that
 * the Frontend API's `ticket` strategy turns into a session. (Owned by the Backend API face; stub until it lands.)
 */
export class SignInTokens {
  clear(): void {}
}
