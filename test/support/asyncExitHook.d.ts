declare module 'async-exit-hook' {
  const hook: { (callback: (done: () => void) => void): void; unhookEvent(event: string): void };
  export default hook;
}
