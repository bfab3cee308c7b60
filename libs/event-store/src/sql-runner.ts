/** Anything that runs parameterised SQL: a TypeORM DataSource, EntityManager or QueryRunner. */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<any>;
}
