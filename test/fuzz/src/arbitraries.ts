/** Generators for hostile input shared by the fuzz suites. */
import fc from 'fast-check';

/** Strings an attacker would try: empty, huge, control characters, injection and traversal. */
export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      '../../etc/passwd',
      "' OR 1=1 --",
      '"; DROP TABLE tenants; --',
      '<script>alert(1)</script>',
      '%00',
      '%2e%2e%2f',
      '${jndi:ldap://x}',
      '__proto__',
      'constructor',
      '9'.repeat(40),
      '-1',
      'NaN',
      '1e309',
      'x'.repeat(5_000),
      '\ud800',
      '😀'.repeat(50),
    ),
  );

/** A Discord-looking id, or something that pretends to be one. */
export const discordSnowflake = (): fc.Arbitrary<string> =>
  fc.oneof(fc.bigInt({ min: 10n ** 16n, max: 10n ** 19n }).map(String), hostileString());

/** Any JSON value, with hostile strings and keys, nested a few levels. */
export const jsonBody = (): fc.Arbitrary<unknown> =>
  fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.integer(),
      fc.double(),
      hostileString(),
      fc.array(tie('value'), { maxLength: 5 }),
      fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'id', 'guildId', 'content', 'title')), tie('value'), {
        maxKeys: 6,
      }),
    ),
  })).value;
