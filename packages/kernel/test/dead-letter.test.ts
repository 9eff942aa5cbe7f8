import { describe, expect, it } from 'vitest'
import { isDeliveryFailure } from '../src/index.js'

describe('isDeliveryFailure', () => {
  it('is true for the letters of a subscription and false for the others', () => {
    const message = { topic: 't', payload: 1 }
    expect(isDeliveryFailure({ reason: 'dropped', topic: 't', subscriptionId: '3', pattern: 't', message })).toBe(true)
    expect(isDeliveryFailure({ reason: 'no-subscriber', topic: 't', message })).toBe(false)
    expect(isDeliveryFailure({ reason: 'late-reply', topic: '_INBOX.x', message })).toBe(false)
  })
})
