export default async function globalTeardown(): Promise<void> {
  const moto = (globalThis as any).__MOTO__;
  moto?.kill();
}
