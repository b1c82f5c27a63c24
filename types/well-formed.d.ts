// String.prototype.isWellFormed (ES2024): Node 20 has it; the ES2022 lib the build targets does not declare it.
interface String {
  isWellFormed(): boolean;
}
