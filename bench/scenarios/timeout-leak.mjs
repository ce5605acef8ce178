// A per-request watchdog timer with a long delay that is never cleared when the request ends.
// Expected: leak, owner Timeout.
let i = 0;
export const options = { rps: 1000, duration: '40s' };
export default function iteration() {
  const request = { id: ++i, at: Date.now() };
  setTimeout(() => {
    console.log('request took too long', request.id);
  }, 3_600_000);
}
