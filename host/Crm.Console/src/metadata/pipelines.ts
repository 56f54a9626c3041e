import { graphql } from '../gql';

export const PipelinesQuery = graphql(`
  query ConsolePipelines {
    pipelines { id name isDefault stageListId stages { id name color semantics sort } }
  }
`);
