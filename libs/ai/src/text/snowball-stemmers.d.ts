// Types for the untyped `snowball-stemmers` package (ports of the Snowball stemmers).
declare module 'snowball-stemmers' {
  interface Stemmer {
    stem(word: string): string;
  }
  const snowballFactory: {
    newStemmer(algorithm: string): Stemmer;
    algorithms(): string[];
  };
  export default snowballFactory;
}
