/** Whether `host` names this machine only (127.0.0.0/8, ::1, localhost): plain WebSockets are refused elsewhere unless asked for. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
