// Random ids from `crypto.getRandomValues`, which (unlike `crypto.randomUUID`) also exists on
// insecure origins such as http://<laptop-ip>:8080 on a classroom LAN.
export function randomId(bytes = 16): string {
  const buffer = new Uint8Array(bytes);
  crypto.getRandomValues(buffer);
  return Array.from(buffer, (b) => b.toString(16).padStart(2, '0')).join('');
}
