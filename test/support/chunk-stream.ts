// Streamed bodies in the scenario harnesses: a scenario's chunks as the web-standard stream
// Fetch frameworks return, and a client reading one while the server is still writing it.

/** Each chunk of `chunks`, UTF-8 encoded, pulled one at a time as the reader asks. */
export function streamOf(chunks: AsyncIterable<string>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]()
  const encoder = new TextEncoder()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next()
      if (next.done === true) controller.close()
      else controller.enqueue(encoder.encode(next.value))
    },
  })
}

/**
 * The whole text of `body`. `reached` is called once the text read so far starts with
 * `prefix`, before anything more is read, so a test can act while the response is still
 * being streamed (the server holds its next chunk until then).
 */
export async function readStreamed(
  body: ReadableStream<Uint8Array> | null,
  prefix: string,
  reached: () => void,
): Promise<string> {
  if (body === null) throw new Error('the response has no body')
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let signalled = false
  for (;;) {
    if (!signalled && text.startsWith(prefix)) {
      signalled = true
      reached()
    }
    const { value, done } = await reader.read()
    if (done) break
    text += decoder.decode(value, { stream: true })
  }
  if (!signalled) reached()
  return text + decoder.decode()
}
