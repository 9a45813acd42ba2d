import { errorMessage } from './errorMessage';

describe('errorMessage', () => {
  it('prefers the backend message carried by a FetchError', () => {
    expect(errorMessage({ status: 400, data: { message: "Parameter 'label' is missing." }, statusText: 'Bad Request' })).toBe(
      "Parameter 'label' is missing."
    );
  });

  it('falls back to the error text, the status text and the status', () => {
    expect(errorMessage(new Error('network down'))).toBe('network down');
    expect(errorMessage({ statusText: 'Gateway Timeout' })).toBe('Gateway Timeout');
    expect(errorMessage({ status: 502 })).toBe('HTTP 502');
    expect(errorMessage('plain')).toBe('plain');
  });
});
