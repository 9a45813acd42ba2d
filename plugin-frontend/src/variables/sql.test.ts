import { templateResolver } from './references';
import { interpolateSql, sqlStringLiteral, sqlValueList } from './sql';
import { TestTemplateSrv, TestVariable } from './testTemplateSrv';

function interpolate(sql: string, variables: TestVariable[], scoped = {}): string {
  return interpolateSql(sql, templateResolver(new TestTemplateSrv(variables), scoped));
}

const single = (name: string, current: string): TestVariable => ({ name, current });
const multi = (name: string, current: string[]): TestVariable => ({ name, current, multi: true, options: current });

describe('sqlStringLiteral / sqlValueList', () => {
  it('doubles single quotes and leaves backslashes (DuckDB standard strings)', () => {
    expect(sqlStringLiteral("it's")).toBe("'it''s'");
    expect(sqlStringLiteral('a\\b')).toBe("'a\\b'");
  });
  it('lists several values and writes NULL for none', () => {
    expect(sqlValueList(['a', "b'c"])).toBe("'a', 'b''c'");
    expect(sqlValueList([])).toBe('NULL');
  });
});

describe('interpolateSql', () => {
  it('writes a single value as a quoted literal, numbers too', () => {
    expect(interpolate('SELECT * FROM samples WHERE service_name = $svc', [single('svc', "it's")])).toBe(
      "SELECT * FROM samples WHERE service_name = 'it''s'"
    );
    expect(interpolate('SELECT $n', [single('n', '42')])).toBe("SELECT '42'");
  });

  it('writes a multi-value variable as a list for IN, and an empty one as NULL', () => {
    expect(interpolate('WHERE v IN ($v)', [multi('v', ['v1', 'v2'])])).toBe("WHERE v IN ('v1', 'v2')");
    expect(interpolate('WHERE v IN ($v)', [multi('v', [])])).toBe('WHERE v IN (NULL)');
  });

  it('keeps hostile values inside the literal: quotes, ;, --, /*', () => {
    const hostile = "x'; DROP TABLE samples; -- /* ";
    const out = interpolate('SELECT 1 WHERE a = ${v} AND b = 2', [single('v', hostile)]);
    expect(out).toBe(`SELECT 1 WHERE a = 'x''; DROP TABLE samples; -- /* ' AND b = 2`);
  });

  it('escapes a value inside a string literal the user wrote, without adding quotes', () => {
    expect(interpolate("WHERE a = '$v'", [single('v', "x' OR 1=1 --")])).toBe("WHERE a = 'x'' OR 1=1 --'");
    expect(interpolate("WHERE a LIKE '%$v%'", [multi('v', ['a', 'b'])])).toBe("WHERE a LIKE '%a,b%'");
  });

  it('doubles backslashes inside E strings so a trailing backslash cannot escape the quote', () => {
    expect(interpolate("WHERE a = E'$v' AND b = '$w'", [single('v', 'x\\'), single('w', ' OR 1=1 --')])).toBe(
      "WHERE a = E'x\\\\' AND b = ' OR 1=1 --'"
    );
  });

  it('escapes a value inside a quoted identifier', () => {
    expect(interpolate('SELECT labels[$l] AS "$c" FROM samples', [single('l', 'pod'), single('c', 'a"b')])).toBe(
      'SELECT labels[\'pod\'] AS "a""b" FROM samples'
    );
  });

  it('leaves comments and $$ strings alone', () => {
    const sql = "SELECT 1 -- $v\n/* $v */ , $$ $v $$, $v";
    expect(interpolate(sql, [single('v', '*/x')])).toBe("SELECT 1 -- $v\n/* $v */ , $$ $v $$, '*/x'");
  });

  it('inserts ${var:raw} as written and respects other explicit formats', () => {
    expect(interpolate('SELECT * LIMIT ${n:raw}', [single('n', '10')])).toBe('SELECT * LIMIT 10');
    expect(interpolate('WHERE a IN (${v:sqlstring})', [multi('v', ["a'b", 'c'])])).toBe("WHERE a IN ('a''b','c')");
    expect(interpolate("WHERE a = '${v:csv}'", [multi('v', ["a'", 'c'])])).toBe("WHERE a = 'a'',c'");
  });

  it('leaves built-ins and macros to Grafana and the backend', () => {
    expect(
      interpolate('SELECT $__timeGroup(time, $__interval), $__interval_ms FROM samples WHERE $__timeFilter(time)', [], {
        __interval: { text: '1m', value: '1m' },
        __interval_ms: { text: '60000', value: 60000 },
      })
    ).toBe('SELECT $__timeGroup(time, 1m), 60000 FROM samples WHERE $__timeFilter(time)');
  });

  it('writes unicode values unchanged inside the literal', () => {
    expect(interpolate('WHERE city = $c', [single('c', 'Zürich 東京')])).toBe("WHERE city = 'Zürich 東京'");
  });

  it('leaves unknown variables as written', () => {
    expect(interpolate('SELECT $nope', [])).toBe('SELECT $nope');
  });
});
