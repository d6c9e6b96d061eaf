/**
 * What hostile input must not change: row counts and a digest of every stored row, read
 * straight from PostgreSQL (not through the node under test).
 */
import pg from "pg";

export interface DbState {
  users: number;
  chats: number;
  members: number;
  messages: number;
  attachments: number;
  /** md5 over every row of the five tables, so an edit or a moved cursor shows too. */
  digest: string;
}

export class DbProbe {
  private readonly pool: pg.Pool;
  constructor(databaseUrl: string) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  }

  async state(): Promise<DbState> {
    const { rows } = await this.pool.query<DbState>(`
      SELECT (SELECT count(*)::int FROM users) AS users,
             (SELECT count(*)::int FROM chats) AS chats,
             (SELECT count(*)::int FROM chat_members) AS members,
             (SELECT count(*)::int FROM messages) AS messages,
             (SELECT count(*)::int FROM attachments) AS attachments,
             md5(concat_ws('|',
               (SELECT string_agg(u::text, ',' ORDER BY id) FROM users u),
               (SELECT string_agg(c::text, ',' ORDER BY id) FROM chats c),
               (SELECT string_agg(m::text, ',' ORDER BY chat_id, user_id) FROM chat_members m),
               (SELECT string_agg(x::text, ',' ORDER BY id) FROM messages x),
               (SELECT string_agg(f::text, ',' ORDER BY id) FROM attachments f))) AS digest`);
    return rows[0];
  }

  query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []) {
    return this.pool.query<R>(sql, params);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
