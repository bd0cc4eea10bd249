// Start a Playwright test signed in with one navigation: the mock's sign-in helper creates a session
// on the browser's client, sets the __client cookie on the mock's host and redirects to the app.
//
//   test('dashboard', async ({ page }) => {
//     await signIn(page, 'user_1n5BS00ns3t21GWIXiPJ0KcSe02', 'http://127.0.0.1:3000/dashboard')
//     await expect(page.getByText('Ada')).toBeVisible()
//   })

/** The URL to visit: works with any object that has `goto(url)` (a Playwright page). */
export function signInUrl(userId, redirectUrl, mockUrl = process.env.CLERK_MOCK_URL) {
  const url = new URL('/__mock/sign-in', mockUrl)
  url.searchParams.set('user_id', userId)
  url.searchParams.set('redirect_url', redirectUrl)
  return url.href
}

export async function signIn(page, userId, redirectUrl) {
  await page.goto(signInUrl(userId, redirectUrl))
}
