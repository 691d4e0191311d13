// Stub: replaced by the module's owner.
export async function main(_args: string[]): Promise<number> {
  process.stderr.write("pll: 'run' is not implemented yet\n");
  return 2;
}
